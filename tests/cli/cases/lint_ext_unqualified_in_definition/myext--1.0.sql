-- unqualified-in-definition is opt-in: on with the policy's rule line
CREATE OPERATOR myext.#? (LEFTARG = bool, RIGHTARG = bool, FUNCTION = boolge);
CREATE AGGREGATE total (complex) (SFUNC = complex_add, STYPE = complex);
SELECT a.id FROM myext.t a JOIN myext.u b USING (id) WHERE a.id IN (SELECT id FROM myext.v);
CREATE TRIGGER t_audit AFTER INSERT ON myext.t FOR EACH ROW EXECUTE FUNCTION audit_row();
