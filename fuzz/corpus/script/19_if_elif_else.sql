\set v 2
\if :v
  SELECT 'true';
\elif false
  SELECT 'elif';
\else
  SELECT 'else';
\endif
\if off
  SELECT 'skip';
\endif
