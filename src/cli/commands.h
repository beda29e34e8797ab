/*
 * commands.h: one entry point per subcommand, each in cli/cmd_<name>.c. Each takes
 * argc/argv starting at the command name and returns the process exit status.
 */
#ifndef PGWARD_COMMANDS_H
#define PGWARD_COMMANDS_H

int cmd_apply(int argc, char **argv);
int cmd_approve(int argc, char **argv);
int cmd_audit(int argc, char **argv);
int cmd_bundle(int argc, char **argv);
int cmd_completion(int argc, char **argv); /* not in the table: --help does not list it */
int cmd_keygen(int argc, char **argv);
int cmd_lint(int argc, char **argv);
int cmd_parse(int argc, char **argv);
int cmd_policy(int argc, char **argv);
int cmd_rules(int argc, char **argv);
int cmd_stage(int argc, char **argv);
int cmd_verify(int argc, char **argv);

#endif
