-- Backfill (codex_staging): normalise directive statuses, in batches of :batch_size.
\set batch_size 500
UPDATE eng.strategic_directives
   SET status = lower(status)
 WHERE id IN (SELECT id FROM eng.strategic_directives
               WHERE status <> lower(status)
               LIMIT :batch_size);
