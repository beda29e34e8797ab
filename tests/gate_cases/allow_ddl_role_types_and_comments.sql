-- role: eng_service
-- expect: none
-- a role with ddl on a family may create sequences, types, enums and domains
-- there and comment on its objects
CREATE SEQUENCE eng.batch_seq;
CREATE TYPE eng.status AS ENUM ('active', 'archived');
ALTER TYPE eng.status ADD VALUE 'deleted';
CREATE DOMAIN eng.positive AS integer CHECK (VALUE > 0);
CREATE TYPE eng.pair AS (a int, b int);
COMMENT ON TABLE eng.projects IS 'projects';
COMMENT ON COLUMN eng.projects.name IS 'display name';
COMMENT ON TYPE eng.status IS 'lifecycle';
