-- migrate:up transaction:false
SET lock_timeout = '5s';
VACUUM t;

-- migrate:down
