/*
 * cmd_completion.c: `pgward completion bash|zsh`, a command --help does not list:
 * prints a shell completion script. Everything in it is read from pgward itself, so
 * the completions cannot drift from what pgward parses: the commands from the
 * command table (main.c), each command's options from the very table it parses
 * with (asked in describe mode, options.h), its actions and what its arguments are
 * from its usage lines, and the rule ids from the registry. The build runs this to
 * make the files `cmake --install` installs.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "cli/cli.h"
#include "cli/commands.h"
#include "rules/rules.h"

static const cli_usage completion_usage = {
    .cmd = "completion",
    .text = "usage: pgward completion bash|zsh\n"
            "\n"
            "Print a completion script for the shell: commands, each command's options,\n"
            "files for PATH arguments and rule ids for 'pgward rules'. The Debian package\n"
            "installs both; to try one: source <(pgward completion bash)\n"
            "\n",
    .footer = "\n"
              "exit status: 0 printed, 2 usage error\n",
};

/* What an argument or an option's value completes to; a usage line's argument
   gets the strongest kind any of its placeholders has. */
typedef enum arg_kind { ARG_NONE, ARG_DIR, ARG_FILE, ARG_RULE } arg_kind;

static const char *const kind_names[] = {"", "dir", "file", "rule"};

/* One command, or one action of a command ("bundle verify"). */
typedef struct form {
    const char *cmd;     /* "bundle" */
    char *action;        /* "verify", or NULL for the command itself */
    const char *summary; /* the command table's line (commands only) */
    cli_option *opts;    /* copied from the command's table (dest pointers dangle) */
    size_t nopts;
    char **actions; /* the command's actions (command forms only) */
    size_t nactions, capactions;
    arg_kind args;         /* what its other arguments are */
    const char *arg_label; /* "PATH", "BUNDLE" (static: points into the usage text) */
    size_t arg_label_len;
} form;

typedef struct forms {
    form *items;
    size_t count, cap;
} forms;

/* What describe mode handed over: the usage and a copy of the table. */
typedef struct described {
    const cli_usage *u;
    cli_option *opts;
    size_t nopts;
} described;

static void capture(const cli_usage *u, const cli_option *opts, void *ctx)
{
    described *d = ctx;
    size_t n = 0;
    while (opts[n].kind != CLI_OPTION_END)
        n++;
    d->u = u;
    d->nopts = n;
    d->opts = xcalloc(n + 1, sizeof(*d->opts));
    memcpy(d->opts, opts, n * sizeof(*opts));
}

/* Runs the command with argv {cmd, action} in describe mode. */
static described describe(const command *c, const char *action)
{
    described d = {0};
    char *argv[] = {(char *)c->name, (char *)action, NULL};
    cli_set_describe(capture, &d);
    c->run(action ? 2 : 1, argv);
    cli_set_describe(NULL, NULL);
    if (!d.u) { /* a command that does not parse options before anything else */
        fprintf(stderr, "pgward: BUG: 'pgward %s' has no option table\n", c->name);
        abort();
    }
    return d;
}

/* ------------------------------------------------------------------ usage lines */

/* What a usage placeholder (PATH..., BUNDLE, ID) stands for. */
static arg_kind placeholder_kind(const char *tok, size_t len)
{
    if (len > 3 && strncmp(tok + len - 3, "...", 3) == 0)
        len -= 3;
    if (len == 0)
        return ARG_NONE;
    for (size_t i = 0; i < len; i++)
        if (!((tok[i] >= 'A' && tok[i] <= 'Z') || tok[i] == '_'))
            return ARG_NONE;
    static const struct {
        const char *name;
        arg_kind kind;
    } names[] = {{"ID", ARG_RULE},  {"PATH", ARG_FILE}, {"FILE", ARG_FILE}, {"KEY", ARG_FILE},
                 {"BUNDLE", ARG_DIR}, {"DIR", ARG_DIR}, {"OUT", ARG_DIR}};
    for (size_t k = 0; k < ARRAY_SIZE(names); k++)
        if (strlen(names[k].name) == len && strncmp(names[k].name, tok, len) == 0)
            return names[k].kind;
    return ARG_NONE;
}

/* An option's value: FILE and KEY are files, DIR and OUT folders (an ID is no rule). */
static arg_kind value_kind(const char *argh)
{
    arg_kind k = argh ? placeholder_kind(argh, strlen(argh)) : ARG_NONE;
    return k == ARG_RULE ? ARG_NONE : k;
}

static bool is_action_word(const char *tok, size_t len)
{
    if (len == 0 || tok[0] < 'a' || tok[0] > 'z')
        return false;
    for (size_t i = 0; i < len; i++)
        if (!((tok[i] >= 'a' && tok[i] <= 'z') || tok[i] == '-'))
            return false;
    return true;
}

/*
 * Reads the usage lines of text ("usage: pgward CMD ..." and the lines under it, up
 * to the first blank line). cmd is what the lines start with after "pgward"
 * ("bundle verify"). With collect, the word after cmd names an action when it is
 * lower case: each is added to f's actions, and only lines without one count for
 * f's arguments; without, every line counts (the form of an action).
 */
static void read_usage(form *f, const char *text, const char *cmd, const char *action,
                       bool collect)
{
    size_t cmdlen = strlen(cmd);
    for (const char *line = text; *line && *line != '\n';) {
        const char *end = strchr(line, '\n');
        if (!end)
            end = line + strlen(line);
        const char *p = line;
        while (*p == ' ')
            p++;
        if (strncmp(p, "usage:", 6) == 0)
            p += 6;
        while (*p == ' ')
            p++;
        if (strncmp(p, "pgward ", 7) == 0 && strncmp(p + 7, cmd, cmdlen) == 0 &&
            (p + 7 + cmdlen == end || p[7 + cmdlen] == ' ')) {
            p += 7 + cmdlen;
            const char *prev = "";
            size_t prevlen = 0;
            bool first = true, counts = true;
            while (p < end) {
                while (p < end && *p == ' ')
                    p++;
                const char *tok = p;
                while (p < end && *p != ' ')
                    p++;
                size_t len = (size_t)(p - tok);
                if (len == 0)
                    break;
                if (first && is_action_word(tok, len)) {
                    char *a = xstrndup(tok, len);
                    if (action)
                        counts = strcmp(a, action) == 0;
                    else if (collect)
                        counts = false;
                    if (collect && !str_list_has(f->actions, f->nactions, a)) {
                        GROW(f->actions, f->capactions, f->nactions + 1);
                        f->actions[f->nactions++] = a;
                    } else {
                        free(a);
                    }
                } else if (first && action) {
                    counts = false;
                }
                first = false;
                /* a placeholder right after an option is that option's value */
                bool value = prevlen > 0 && (prev[0] == '-' || (prev[0] == '[' && prevlen > 1 &&
                                                                prev[1] == '-'));
                arg_kind k = value ? ARG_NONE : placeholder_kind(tok, len);
                if (counts && k > f->args) {
                    f->args = k;
                    f->arg_label = tok;
                    f->arg_label_len = len > 3 && tok[len - 1] == '.' ? len - 3 : len;
                }
                prev = tok;
                prevlen = len;
            }
        }
        line = *end ? end + 1 : end;
    }
}

static void collect_forms(forms *fs)
{
    for (size_t i = 0; i < pgward_ncommands; i++) {
        const command *c = &pgward_commands[i];
        described d = describe(c, NULL);
        GROW(fs->items, fs->cap, fs->count + 1);
        size_t fi = fs->count++;
        fs->items[fi] = (form){.cmd = c->name, .summary = c->summary, .opts = d.opts,
                               .nopts = d.nopts};
        read_usage(&fs->items[fi], d.u->text, c->name, NULL, true);
        for (size_t k = 0; k < fs->items[fi].nactions; k++) {
            const char *a = fs->items[fi].actions[k];
            described da = describe(c, a);
            char *name = xasprintf("%s %s", c->name, a);
            /* an action with a table of its own ("bundle verify") says so in u->cmd */
            bool own = strcmp(da.u->cmd, name) == 0;
            form af = {.cmd = c->name, .action = xstrdup(a)};
            if (own) {
                af.opts = da.opts;
                af.nopts = da.nopts;
                read_usage(&af, da.u->text, name, NULL, false);
            } else {
                free(da.opts);
                const form *parent = &fs->items[fi];
                af.opts = xcalloc(parent->nopts + 1, sizeof(*af.opts));
                memcpy(af.opts, parent->opts, parent->nopts * sizeof(*af.opts));
                af.nopts = parent->nopts;
                read_usage(&af, d.u->text, c->name, a, false);
            }
            free(name);
            GROW(fs->items, fs->cap, fs->count + 1);
            fs->items[fs->count++] = af;
        }
    }
}

static void forms_free(forms *fs)
{
    for (size_t i = 0; i < fs->count; i++) {
        form *f = &fs->items[i];
        free(f->action);
        free(f->opts);
        for (size_t k = 0; k < f->nactions; k++)
            free(f->actions[k]);
        free(f->actions);
    }
    free(fs->items);
}

/* ------------------------------------------------------------------ output */

/* s inside single quotes: ' becomes '\'' (bash and zsh alike). */
static void add_quoted(strbuf *sb, const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '\'')
            sb_adds(sb, "'\\''");
        else
            sb_addc(sb, s[i]);
    }
}

/* The function name part for a form: lint, bundle_verify, audit_did_not_run. */
static void add_ident(strbuf *sb, const char *s)
{
    for (; *s; s++)
        sb_addc(sb, (*s == '-' || *s == ' ') ? '_' : *s);
}

static void print_bash(FILE *out, const forms *fs)
{
    strbuf sb = {0};
    sb_adds(&sb, "# bash completion for pgward: generated by `pgward completion bash` from\n"
                 "# pgward's own command and option tables; regenerate, do not edit.\n\n"
                 "_pgward_commands='");
    for (size_t i = 0; i < pgward_ncommands; i++)
        sb_addf(&sb, "%s%s", i ? " " : "", pgward_commands[i].name);
    sb_adds(&sb, "'\n_pgward_rules='");
    for (size_t i = 0; i < rules_count(); i++)
        sb_addf(&sb, "%s%s", i ? " " : "", rules_at(i)->id);
    sb_adds(&sb,
            "'\n\n"
            "# _pgward_form FORM: what a command, or \"command action\", takes: opts (its\n"
            "# options), vals (\" --opt=KIND \" for each option that takes a value; KIND is\n"
            "# file, dir or empty), actions, and args (what its other arguments are: file,\n"
            "# dir, rule or empty).\n"
            "_pgward_form() {\n"
            "    case $1 in\n");
    for (size_t i = 0; i < fs->count; i++) {
        const form *f = &fs->items[i];
        sb_adds(&sb, "    '");
        add_quoted(&sb, f->cmd, strlen(f->cmd));
        if (f->action) {
            sb_addc(&sb, ' ');
            add_quoted(&sb, f->action, strlen(f->action));
        }
        sb_adds(&sb, "')\n        opts='");
        for (size_t k = 0; k < f->nopts; k++) {
            if (f->opts[k].short_name)
                sb_addf(&sb, "-%c ", f->opts[k].short_name);
            sb_addf(&sb, "--%s ", f->opts[k].long_name);
        }
        sb_adds(&sb, "-h --help'\n        vals=' ");
        for (size_t k = 0; k < f->nopts; k++) {
            const cli_option *o = &f->opts[k];
            if (!o->argh)
                continue;
            const char *kind = kind_names[value_kind(o->argh)];
            if (o->short_name)
                sb_addf(&sb, "-%c=%s ", o->short_name, kind);
            sb_addf(&sb, "--%s=%s ", o->long_name, kind);
        }
        sb_adds(&sb, "'\n        actions='");
        for (size_t k = 0; k < f->nactions; k++)
            sb_addf(&sb, "%s%s", k ? " " : "", f->actions[k]);
        sb_addf(&sb, "'\n        args='%s' ;;\n", kind_names[f->args]);
    }
    sb_adds(&sb,
            "    *) return 1 ;;\n"
            "    esac\n"
            "}\n"
            "\n"
            "# _pgward_reply KIND WORD: files, folders or rule ids that start with WORD\n"
            "_pgward_reply() {\n"
            "    case $1 in\n"
            "    file) compopt -o filenames 2>/dev/null; COMPREPLY+=($(compgen -f -- \"$2\")) ;;\n"
            "    dir) compopt -o filenames 2>/dev/null; COMPREPLY+=($(compgen -d -- \"$2\")) ;;\n"
            "    rule) COMPREPLY+=($(compgen -W \"$_pgward_rules\" -- \"$2\")) ;;\n"
            "    esac\n"
            "}\n"
            "\n"
            "_pgward() {\n"
            "    local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}\n"
            "    local opts vals actions args cmd=${COMP_WORDS[1]} action= nargs=0 i w opt=\n"
            "    COMPREPLY=()\n"
            "    if [ \"$COMP_CWORD\" -eq 1 ]; then\n"
            "        COMPREPLY=($(compgen -W \"$_pgward_commands --help --version\" -- \"$cur\"))\n"
            "        return\n"
            "    fi\n"
            "    _pgward_form \"$cmd\" || return\n"
            "    # the words before the cursor: options and their values, an action, arguments\n"
            "    for ((i = 2; i < COMP_CWORD; i++)); do\n"
            "        w=${COMP_WORDS[i]}\n"
            "        case $w in\n"
            "        -?*)\n"
            "            if [ \"${COMP_WORDS[i+1]}\" = = ]; then\n"
            "                ((i += 2)) # --opt=value: readline splits the word at '='\n"
            "            elif [[ $vals == *\" $w=\"* ]]; then\n"
            "                ((i++))\n"
            "            fi ;;\n"
            "        *)\n"
            "            if [ -z \"$action\" ] && [ \"$nargs\" -eq 0 ] && [[ \" $actions \" == *\" $w \"* ]]; then\n"
            "                action=$w\n"
            "                _pgward_form \"$cmd $w\"\n"
            "            else\n"
            "                ((nargs++))\n"
            "            fi ;;\n"
            "        esac\n"
            "    done\n"
            "    # an option's value: \"--opt VALUE\" or \"--opt=VALUE\"\n"
            "    if [ \"$cur\" = = ]; then\n"
            "        opt=$prev cur=\n"
            "    elif [ \"$prev\" = = ]; then\n"
            "        opt=${COMP_WORDS[COMP_CWORD-2]}\n"
            "    elif [ \"$COMP_CWORD\" -gt 2 ] && [[ $prev == -?* && $vals == *\" $prev=\"* ]]; then\n"
            "        opt=$prev\n"
            "    fi\n"
            "    if [ -n \"$opt\" ]; then\n"
            "        [[ $vals == *\" $opt=\"* ]] || return\n"
            "        w=${vals#*\" $opt=\"}\n"
            "        _pgward_reply \"${w%% *}\" \"$cur\"\n"
            "        return\n"
            "    fi\n"
            "    if [[ $cur == -* ]]; then\n"
            "        COMPREPLY=($(compgen -W \"$opts\" -- \"$cur\"))\n"
            "        return\n"
            "    fi\n"
            "    if [ -z \"$action\" ] && [ \"$nargs\" -eq 0 ] && [ -n \"$actions\" ]; then\n"
            "        COMPREPLY=($(compgen -W \"$actions\" -- \"$cur\"))\n"
            "    fi\n"
            "    _pgward_reply \"$args\" \"$cur\"\n"
            "}\n"
            "complete -F _pgward pgward\n");
    fputs(sb.buf, out);
    sb_free(&sb);
}

/* Text inside an _arguments description [...]: \ [ ] : escaped, lines joined. */
static void add_zsh_desc(strbuf *sb, const char *s)
{
    for (; *s; s++) {
        if (*s == '\n') {
            sb_addc(sb, ' ');
            continue;
        }
        if (*s == '\\' || *s == '[' || *s == ']' || *s == ':')
            sb_addc(sb, '\\');
        if (*s == '\'')
            sb_adds(sb, "'\\''");
        else
            sb_addc(sb, *s);
    }
}

static const char *zsh_action(arg_kind k)
{
    switch (k) {
    case ARG_FILE:
        return "_files";
    case ARG_DIR:
        return "_files -/";
    default:
        return " ";
    }
}

/* opts=( ... ): the _arguments specs of f's options. */
static void add_zsh_opts(strbuf *sb, const form *f)
{
    sb_adds(sb, "    local -a opts\n    opts=(\n"
                "        '(- *)'{-h,--help}'[show this help]'\n");
    for (size_t k = 0; k < f->nopts; k++) {
        const cli_option *o = &f->opts[k];
        /* an option with a value may be repeatable (--include): never hide it */
        const char *rep = o->argh ? "*" : "";
        if (o->short_name)
            sb_addf(sb, "        '%s'{-%c%s,--%s%s}'", rep, o->short_name, o->argh ? "+" : "",
                    o->long_name, o->argh ? "=" : "");
        else
            sb_addf(sb, "        '%s--%s%s", rep, o->long_name, o->argh ? "=" : "");
        sb_addc(sb, '[');
        add_zsh_desc(sb, o->help);
        sb_addc(sb, ']');
        if (o->argh) {
            sb_addc(sb, ':');
            add_zsh_desc(sb, o->argh);
            sb_addf(sb, ":%s", zsh_action(value_kind(o->argh)));
        }
        sb_adds(sb, "'\n");
    }
    sb_adds(sb, "    )\n");
}

/* The _arguments spec of f's other arguments ('*:PATH:_files'), or "". */
static void add_zsh_args(strbuf *sb, const form *f)
{
    if (f->args == ARG_NONE)
        return;
    sb_adds(sb, " '*:");
    sb_add(sb, f->arg_label, f->arg_label_len);
    if (f->args == ARG_RULE) {
        sb_adds(sb, ":(");
        for (size_t i = 0; i < rules_count(); i++)
            sb_addf(sb, "%s%s", i ? " " : "", rules_at(i)->id);
        sb_adds(sb, ")'");
    } else {
        sb_addf(sb, ":%s'", zsh_action(f->args));
    }
}

static void print_zsh(FILE *out, const forms *fs)
{
    strbuf sb = {0};
    sb_adds(&sb, "#compdef pgward\n"
                 "# zsh completion for pgward: generated by `pgward completion zsh` from\n"
                 "# pgward's own command and option tables; regenerate, do not edit.\n");
    for (size_t i = 0; i < fs->count; i++) {
        const form *f = &fs->items[i];
        sb_adds(&sb, "\n_pgward_");
        add_ident(&sb, f->cmd);
        if (f->action) {
            sb_addc(&sb, '_');
            add_ident(&sb, f->action);
        }
        sb_adds(&sb, "() {\n");
        add_zsh_opts(&sb, f);
        if (f->nactions == 0) {
            sb_adds(&sb, "    _arguments -s -S $opts");
            add_zsh_args(&sb, f);
            sb_adds(&sb, "\n}\n");
            continue;
        }
        /* a command with actions: the first argument is one (or, for bundle, a PATH);
           the words from it on are completed as that action's form */
        sb_adds(&sb, "    local curcontext=$curcontext state line\n"
                     "    _arguments -s -S -C $opts '1: :->first' '*:: :->rest'\n"
                     "    case $state in\n"
                     "    first) _alternative 'actions:action:(");
        for (size_t k = 0; k < f->nactions; k++)
            sb_addf(&sb, "%s%s", k ? " " : "", f->actions[k]);
        sb_addc(&sb, ')');
        if (f->args != ARG_NONE && f->args != ARG_RULE)
            sb_addf(&sb, "' 'files:%.*s:%s", (int)f->arg_label_len, f->arg_label,
                    zsh_action(f->args));
        sb_adds(&sb, "' ;;\n    rest)\n        case $line[1] in\n");
        for (size_t k = 0; k < f->nactions; k++) {
            sb_addf(&sb, "        (%s) _pgward_", f->actions[k]);
            add_ident(&sb, f->cmd);
            sb_addc(&sb, '_');
            add_ident(&sb, f->actions[k]);
            sb_adds(&sb, " ;;\n");
        }
        sb_adds(&sb, "        (*) _arguments -s -S $opts");
        add_zsh_args(&sb, f);
        sb_adds(&sb, " ;;\n        esac ;;\n    esac\n}\n");
    }
    sb_adds(&sb, "\n_pgward() {\n"
                 "    local curcontext=$curcontext state line\n"
                 "    local -a commands\n"
                 "    commands=(\n");
    for (size_t i = 0; i < pgward_ncommands; i++) {
        sb_addf(&sb, "        '%s:", pgward_commands[i].name);
        add_quoted(&sb, pgward_commands[i].summary, strlen(pgward_commands[i].summary));
        sb_adds(&sb, "'\n");
    }
    sb_adds(&sb, "    )\n"
                 "    _arguments -C '(- *)'{-h,--help}'[show the help]' \\\n"
                 "        '(- *)--version[print the version and the PostgreSQL grammar]' \\\n"
                 "        '1: :->command' '*:: :->args'\n"
                 "    case $state in\n"
                 "    command) _describe -t commands 'pgward command' commands ;;\n"
                 "    args)\n"
                 "        case $line[1] in\n");
    for (size_t i = 0; i < pgward_ncommands; i++) {
        sb_addf(&sb, "        (%s) _pgward_", pgward_commands[i].name);
        add_ident(&sb, pgward_commands[i].name);
        sb_adds(&sb, " ;;\n");
    }
    sb_adds(&sb, "        esac ;;\n"
                 "    esac\n"
                 "}\n"
                 "\n"
                 "_pgward \"$@\"\n");
    fputs(sb.buf, out);
    sb_free(&sb);
}

int cmd_completion(int argc, char **argv)
{
    const cli_option options[] = {CLI_OPT_END()};
    int argi, rc = cli_parse_options(&completion_usage, options, argc, argv, &argi);
    if (rc >= 0)
        return rc;
    if (argi != argc - 1)
        return usage_error("completion", argi >= argc ? "no shell given: expected bash or zsh"
                                                      : "'completion' takes one shell");
    const char *shell = argv[argi];
    if (strcmp(shell, "bash") != 0 && strcmp(shell, "zsh") != 0)
        return usage_error("completion", "unknown shell '%s': expected bash or zsh", shell);
    forms fs = {0};
    collect_forms(&fs);
    if (strcmp(shell, "bash") == 0)
        print_bash(stdout, &fs);
    else
        print_zsh(stdout, &fs);
    forms_free(&fs);
    return EXIT_CLEAN;
}
