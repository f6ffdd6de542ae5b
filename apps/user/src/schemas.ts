import { Email, Timestamp, Uuid } from '@myshop/schemas';
import { Type, type Static } from 'typebox';

export const Password = Type.String({ minLength: 8, maxLength: 128 });

/** At least one visible character, at most 100. */
export const DisplayName = Type.String({ minLength: 1, maxLength: 100, pattern: '\\S' });

export const RegisterBody = Type.Object(
  { email: Email, password: Password, name: DisplayName },
  { additionalProperties: false },
);
export type RegisterBody = Static<typeof RegisterBody>;

export const LoginBody = Type.Object(
  // Login does not judge the format: any mismatch is the same 401 as a wrong password.
  { email: Type.String({ minLength: 1, maxLength: 254 }), password: Type.String({ minLength: 1, maxLength: 128 }) },
  { additionalProperties: false },
);
export type LoginBody = Static<typeof LoginBody>;

export const UserProfile = Type.Object({ id: Uuid, email: Email, name: Type.String(), createdAt: Timestamp });
export type UserProfile = Static<typeof UserProfile>;

export const TokenResponse = Type.Object({
  accessToken: Type.String(),
  tokenType: Type.Literal('Bearer'),
  /** Seconds until the token expires. */
  expiresIn: Type.Integer(),
});

export const JsonWebKeySet = Type.Object({
  keys: Type.Array(
    Type.Object(
      {
        kty: Type.String(),
        kid: Type.String(),
        alg: Type.String(),
        use: Type.String(),
        crv: Type.Optional(Type.String()),
        x: Type.Optional(Type.String()),
        y: Type.Optional(Type.String()),
      },
      { additionalProperties: false },
    ),
  ),
});
