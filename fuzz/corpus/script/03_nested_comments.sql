/* outer /* inner /* deepest */ back */ out */ SELECT 1;
-- line comment ; with semicolon
SELECT /* ; */ 2 -- trailing ;
;
