import { Email, Timestamp, Uuid } from '@myshop/schemas';
import { Type, type Static } from 'typebox';

const MAX_PASSWORD_LENGTH = 128;
export const Password = Type.String({ minLength: 8, maxLength: MAX_PASSWORD_LENGTH });

/**
 * The longest spelling of a password Password takes: one typed with its accents as separate
 * characters is the same password (passwords.ts), and canonical decomposition makes one character
 * at most four (`ᾂ` U+1F82), so a 128-character password typed so on another keyboard is up to 512.
 * A login capped at 128 would refuse its owner's own password there with a 400.
 */
const MAX_PASSWORD_SPELLING = 4 * MAX_PASSWORD_LENGTH;

/**
 * Drawn as nothing on its own: white space (Z; the controls among White_Space are Cc), format
 * characters (Cf: zero-width space and joiners, BOM, bidi controls), combining marks (M), the other
 * default-ignorable code points (Hangul fillers, variation selectors…) and the blank Braille
 * pattern. Control characters (Cc) are not in the set: they are refused anywhere.
 */
const INVISIBLE = String.raw`\p{Z}\p{Cf}\p{M}\p{Default_Ignorable_Code_Point}\u2800`;

/**
 * Never in a name, wherever it stands: control characters (Cc); bidi controls, which make a name
 * read backwards or make the text after it do so where it is shown (U+202E and the other
 * overrides, isolates, marks); line and paragraph separators; private-use and unassigned code
 * points, drawn as anything or as nothing at all. Joiners (emoji, Persian's ZWNJ) and variation
 * selectors stay.
 */
const NEVER = String.raw`\p{Cc}\p{Bidi_Control}\p{Zl}\p{Zp}\p{Co}\p{Cn}`;

/**
 * 1–100 characters, not all of them invisible, none of them NEVER. Any script, accents, emoji
 * (joiners included) are names. Each part takes time linear in the name's length.
 * ajv compiles patterns with the `u` flag, which `\p{…}` needs.
 */
export const DISPLAY_NAME_PATTERN = `^(?![${INVISIBLE}]*$)[^${NEVER}]+$`;
export const DisplayName = Type.String({ minLength: 1, maxLength: 100, pattern: DISPLAY_NAME_PATTERN });

export const RegisterBody = Type.Object({ email: Email, password: Password, name: DisplayName }, { additionalProperties: false });
export type RegisterBody = Static<typeof RegisterBody>;

export const LoginBody = Type.Object(
  // Login does not judge the format: any mismatch is the same 401 as a wrong password.
  { email: Type.String({ minLength: 1, maxLength: 254 }), password: Type.String({ minLength: 1, maxLength: MAX_PASSWORD_SPELLING }) },
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

export const TOKEN_EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange' as const;
export const CLIENT_CREDENTIALS = 'client_credentials' as const;
export const ACCESS_TOKEN_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:access_token' as const;

/** RFC 6749 §4.4 (client credentials) and RFC 8693 §2.1 (token exchange), as JSON or a form. */
export const TokenRequest = Type.Object(
  {
    grant_type: Type.Union([Type.Literal(CLIENT_CREDENTIALS), Type.Literal(TOKEN_EXCHANGE)]),
    /** With client_secret, unless the client authenticates with HTTP Basic. */
    client_id: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    client_secret: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    /** The service the token is for, e.g. `payment`. */
    audience: Type.String({ minLength: 1, maxLength: 100 }),
    /** Space-separated, e.g. `payment:charge`. */
    scope: Type.String({ minLength: 1, maxLength: 500, pattern: '^[\\x21\\x23-\\x5B\\x5D-\\x7E]+( [\\x21\\x23-\\x5B\\x5D-\\x7E]+)*$' }),
    /** Token exchange only: the signed-in user's access token the service acts on. */
    subject_token: Type.Optional(Type.String({ minLength: 1, maxLength: 8192 })),
    subject_token_type: Type.Optional(Type.Literal(ACCESS_TOKEN_TOKEN_TYPE)),
    /** RFC 8693 clients may name the type they want: the one type issued. */
    requested_token_type: Type.Optional(Type.Literal(ACCESS_TOKEN_TOKEN_TYPE)),
  },
  { additionalProperties: false },
);
export type TokenRequest = Static<typeof TokenRequest>;

export const TokenGrant = Type.Object({
  access_token: Type.String(),
  issued_token_type: Type.Literal(ACCESS_TOKEN_TOKEN_TYPE),
  token_type: Type.Literal('Bearer'),
  expires_in: Type.Integer(),
  scope: Type.String(),
});
