\if false
SELECT 'unterminated
\endif
';
\else
SELECT $$ \endif $$;
\endif
\if :{?undefined_var}
\set x 1
\endif
