/**
 * Env read as the process starts, by Node (NODE_OPTIONS), libuv (its thread pool) and glibc's
 * malloc (arenas, thresholds, tunables), never by a service's config schema. A Deployment may set
 * these beside its ConfigMap: the manifests' cross-check accepts them as read, and the bench
 * starts each service with whatever its pod sets of them, since they decide its memory.
 */
export const PROCESS_RUNTIME_ENV = /^(NODE_OPTIONS|UV_THREADPOOL_SIZE|MALLOC_[A-Z_]+|GLIBC_TUNABLES)$/;
