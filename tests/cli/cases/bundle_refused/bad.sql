TRUNCATE vh.tasks;
