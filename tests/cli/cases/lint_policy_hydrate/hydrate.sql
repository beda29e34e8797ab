UPDATE eng.projects p SET vh_ref = t.project_ref FROM vh.tasks t WHERE t.id = p.id;
DELETE FROM vh.tasks WHERE done;
