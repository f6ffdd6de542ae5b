/** The only signature algorithms a token may use: asymmetric, so no service but user can mint one. */
export const TOKEN_ALGORITHMS = ['EdDSA', 'ES256'] as const;
