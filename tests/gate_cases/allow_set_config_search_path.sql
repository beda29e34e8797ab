-- role: codex_staging
-- expect: none
-- set_config of search_path is followed (replayed when it is all the statement does,
-- else as a value pgward does not replay): the call itself is allowed; what later
-- depends on the path is judged by it (deny_set_config_then_unqualified)
SELECT set_config('search_path', 'vh', false);
