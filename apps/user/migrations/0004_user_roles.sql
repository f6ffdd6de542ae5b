-- Up Migration
-- What an account may do beyond shopping. Registration never sets it: only the operators
-- command (src/operators-cli.ts) grants a role, to an account that exists.
ALTER TABLE users ADD COLUMN roles text[] NOT NULL DEFAULT '{}';
ALTER TABLE users ADD CONSTRAINT users_known_roles CHECK (roles <@ ARRAY['operator']::text[]);

-- Down Migration
ALTER TABLE users DROP COLUMN roles;
