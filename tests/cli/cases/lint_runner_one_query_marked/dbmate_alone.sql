-- migrate:up transaction:false
VACUUM t;

-- migrate:down
