/**
 * Fields that must never reach a log line, wherever they sit: credentials, session material,
 * passwords and card data. pino's `*` matches one level, so the common nestings are listed.
 */
const sensitiveFields = ['password', 'newPassword', 'accessToken', 'token', 'cvc', 'number', 'cardNumber'];

export const redactPaths: string[] = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["proxy-authorization"]',
  'res.headers["set-cookie"]',
  'headers.authorization',
  'headers.cookie',
  // The same headers once the ECS format has moved req/res to http.request/http.response.
  'http.request.headers.authorization',
  'http.request.headers.cookie',
  'http.response.headers["set-cookie"]',
  'card',
  '*.card',
  '*.*.card',
  ...sensitiveFields.flatMap((field) => [field, `*.${field}`, `*.*.${field}`]),
];
