SELECT 'it''s', 'a;b', E'esc\'aped\n;', e'\\', N'national', B'1010', X'ff';
SELECT 'multi'
  'line continuation';
