-- +goose Up
-- +goose NO TRANSACTION
VACUUM t;

-- +goose Down
COMMIT;
