-- +goose Up
-- +goose NO TRANSACTION
-- +goose StatementBegin
CREATE INDEX CONCURRENTLY i ON t (a);
-- +goose StatementEnd
-- +goose Down
DROP INDEX i;
