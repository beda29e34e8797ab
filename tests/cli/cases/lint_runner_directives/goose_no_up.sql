-- goose down first: only a Down after an Up ends the file
-- +goose Down
VACUUM t;
