/*
 * expand.c - command-line arguments to a list of sources (module: source).
 *
 * Place in the data flow: the first step.  Each argument becomes sources:
 *
 *   "-"                standard input, named "-"
 *   postgresql://...   the tables lt_pg_expand lists (pg.c)
 *   a directory        walked recursively, names in byte order, keeping
 *                      *.csv *.tsv *.txt *.gz *.zip (case-insensitive) that
 *                      pass --include/--exclude
 *   any other path     a source whatever its name; a zip (by name or by its
 *                      PK\3\4 magic) becomes one source per .csv/.tsv/.txt
 *                      member, named ARCHIVE:MEMBER
 *
 * What cannot be scanned is still listed, so the report can say why: a path
 * that cannot be opened is an ERROR entry (strerror), a corrupt zip an ERROR
 * entry naming it; in a walk, FIFOs, sockets, devices, dangling links,
 * symlink loops and links leading out of the walked root are SKIPPED
 * entries with a reason.  Special files and broken links are listed only
 * when their name is one the walk would scan and passes the filters (a
 * dangling "notes.bak" is noise, not news); links to directories that loop
 * or leave the root are listed unless an include list is given.
 *
 * Filters: a glob (fnmatch, no flags: '*' also matches '/') is tried on the
 * basename and on the path relative to the walked root.  Exclude wins; an
 * include list, when given, must match.  Files named on the command line
 * are never filtered.  A directory matching an exclude is not entered.  A
 * zip member is filtered by its basename and by "ARCHIVE:MEMBER" (ARCHIVE
 * relative to the walked root, or as named on the command line); an archive
 * that itself matches an include keeps all its members.
 */
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <dirent.h>
#include <unistd.h>

#include "lethe/util.h"
#include "source_int.h"

/* ---- the list ------------------------------------------------------------- */

/* Appends a source named by raw bytes `raw` (escaped for reports). */
static struct lt_source *push(struct lt_source_list *l,
			      enum lt_source_kind kind, const char *raw)
{
	struct lt_source *s;

	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 16;
		l->items = lt_xreallocarray(l->items, l->cap, sizeof *l->items);
	}
	s = &l->items[l->n++];
	memset(s, 0, sizeof *s);
	s->kind = kind;
	s->name = lt_name_escape(raw);
	s->status = LT_STATUS_OK;
	s->rows_estimated = -1;
	return s;
}

static void set_status(struct lt_source *s, enum lt_source_status st,
		       const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void set_status(struct lt_source *s, enum lt_source_status st,
		       const char *fmt, ...)
{
	va_list ap;

	s->status = st;
	va_start(ap, fmt);
	vsnprintf(s->reason, sizeof s->reason, fmt, ap);
	va_end(ap);
}

static void push_path(struct lt_source_list *l, const char *path,
		      enum lt_source_status st, const char *reason)
{
	struct lt_source *s = push(l, LT_SRC_FILE, path);

	s->path = lt_xstrdup(path);
	if (st != LT_STATUS_OK)
		set_status(s, st, "%s", reason);
}

void lt_sources_release(struct lt_source_list *l)
{
	size_t i;

	if (!l)
		return;
	for (i = 0; i < l->n; i++) {
		struct lt_source *s = &l->items[i];

		free(s->name);
		free(s->path);
		free(s->member);
		free(s->conninfo);
		free(s->table);
		free(s->schema_q);
		free(s->table_q);
	}
	free(l->items);
	l->items = NULL;
	l->n = l->cap = 0;
}

/* ---- names and filters ---------------------------------------------------- */

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);

	return n > k && strcasecmp(s + n - k, suffix) == 0;
}

/* A name the walk scans (.csv.gz and friends end in .gz). */
static bool scan_name(const char *base)
{
	return ends_with(base, ".csv") || ends_with(base, ".tsv") ||
	       ends_with(base, ".txt") || ends_with(base, ".gz") ||
	       ends_with(base, ".zip");
}

static bool member_name_ok(const char *m)
{
	return (ends_with(m, ".csv") || ends_with(m, ".tsv") ||
		ends_with(m, ".txt")) &&
	       strncmp(m, "__MACOSX/", 9) != 0;
}

static const char *base_of(const char *p)
{
	const char *s = strrchr(p, '/');

	return s ? s + 1 : p;
}

/* Does some glob match a or (when not NULL) b? */
static bool glob_any(const char *const *g, size_t n, const char *a,
		     const char *b)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (fnmatch(g[i], a, 0) == 0 ||
		    (b && fnmatch(g[i], b, 0) == 0))
			return true;
	return false;
}

static bool excluded(const struct lt_source_opts *o, const char *base,
		     const char *rel)
{
	return o && glob_any(o->exclude, o->n_exclude, base, rel);
}

static bool included(const struct lt_source_opts *o, const char *base,
		     const char *rel)
{
	return !o || o->n_include == 0 ||
	       glob_any(o->include, o->n_include, base, rel);
}

/* ---- zip archives --------------------------------------------------------- */

static const char *entry_name(struct archive_entry *e)
{
	const char *p = archive_entry_pathname(e);

	return p ? p : archive_entry_pathname_utf8(e);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Lists the members of the zip at path (rel: its path for filters, NULL
 * when named on the command line). */
static void expand_zip(struct lt_source_list *l, const char *path,
		       const char *rel, const struct lt_source_opts *o)
{
	struct archive *ar = archive_read_new();
	struct archive_entry *e;
	char **names = NULL, *full;
	size_t n = 0, cap = 0, i, eligible = 0;
	bool keep_all;
	int r;

	keep_all = !o || o->n_include == 0 ||
		   included(o, base_of(path), rel ? rel : path);
	archive_read_support_format_zip(ar);
	r = archive_read_open_filename(ar, path, 64 * 1024);
	while (r == ARCHIVE_OK) {
		const char *m;

		r = archive_read_next_header(ar, &e);
		if (r == ARCHIVE_WARN)
			r = ARCHIVE_OK;
		if (r != ARCHIVE_OK)
			break;
		m = entry_name(e);
		if (!m || archive_entry_filetype(e) != AE_IFREG ||
		    !member_name_ok(m))
			continue;
		eligible++;
		full = lt_xasprintf("%s:%s", rel ? rel : path, m);
		if (o && glob_any(o->exclude, o->n_exclude, base_of(m), full)) {
			free(full);
			continue;
		}
		if (!keep_all &&
		    !glob_any(o->include, o->n_include, base_of(m), full)) {
			free(full);
			continue;
		}
		free(full);
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			names = lt_xreallocarray(names, cap, sizeof *names);
		}
		names[n++] = lt_xstrdup(m);
	}
	if (r != ARCHIVE_EOF) {
		const char *msg = archive_error_string(ar);
		char reason[200];

		snprintf(reason, sizeof reason, "corrupt zip: %s",
			 msg ? msg : "unreadable");
		push_path(l, path, LT_STATUS_ERROR, reason);
	} else if (eligible == 0) {
		push_path(l, path, LT_STATUS_SKIPPED,
			  "zip without csv, tsv or txt members");
	} else { /* n may be 0: every member filtered out */
		if (n > 1)
			qsort(names, n, sizeof *names, cmp_str);
		for (i = 0; i < n; i++) {
			struct lt_source *s;

			full = lt_xasprintf("%s:%s", path, names[i]);
			s = push(l, LT_SRC_MEMBER, full);
			free(full);
			s->path = lt_xstrdup(path);
			s->member = names[i];
			names[i] = NULL;
		}
	}
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	archive_read_free(ar);
}

/* A regular file: a zip (by name or magic) or a plain/gzip source. */
static void add_file(struct lt_source_list *l, const char *path,
		     const char *rel, const struct lt_source_opts *o)
{
	unsigned char magic[4];
	ssize_t got;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);

	if (fd < 0) {
		push_path(l, path, LT_STATUS_ERROR, strerror(errno));
		return;
	}
	got = pread(fd, magic, sizeof magic, 0);
	close(fd);
	if (got < 0) {
		push_path(l, path, LT_STATUS_ERROR, strerror(errno));
		return;
	}
	if (ends_with(path, ".zip") ||
	    (got == 4 && memcmp(magic, "PK\x03\x04", 4) == 0) ||
	    (got == 4 && memcmp(magic, "PK\x05\x06", 4) == 0))
		expand_zip(l, path, rel, o);
	else
		push_path(l, path, LT_STATUS_OK, NULL);
}

/* ---- directory walk ------------------------------------------------------- */

struct dirid {
	dev_t dev;
	ino_t ino;
};

struct walk {
	const struct lt_source_opts *o;
	struct lt_source_list *out;
	char *root_real;        /* realpath of the root */
	struct dirid *stack;    /* directories being walked, root first */
	size_t depth, cap;
};

static char *join(const char *dir, const char *name)
{
	size_t n = strlen(dir);

	if (n > 0 && dir[n - 1] == '/')
		return lt_xasprintf("%s%s", dir, name);
	return lt_xasprintf("%s/%s", dir, name);
}

static bool inside_root(const struct walk *w, const char *real)
{
	size_t n = strlen(w->root_real);

	if (strcmp(w->root_real, "/") == 0)
		return true;
	return strncmp(real, w->root_real, n) == 0 &&
	       (real[n] == '\0' || real[n] == '/');
}

static bool on_stack(const struct walk *w, const struct stat *st)
{
	size_t i;

	for (i = 0; i < w->depth; i++)
		if (w->stack[i].dev == st->st_dev &&
		    w->stack[i].ino == st->st_ino)
			return true;
	return false;
}

/* Would a file of this name be scanned here? */
static bool wanted(const struct walk *w, const char *base, const char *rel)
{
	if (!scan_name(base) || excluded(w->o, base, rel))
		return false;
	/* a zip's members are matched against the include list instead */
	return ends_with(base, ".zip") || included(w->o, base, rel);
}

/* A directory link that loops or leaves the tree is listed only without an
 * include list: with one, nothing says the directory held a wanted file. */
static bool dir_skips_shown(const struct walk *w)
{
	return !w->o || w->o->n_include == 0;
}

static void walk_dir(struct walk *w, const char *path, const char *rel);

/* One entry whose type is known (st: after following a link). */
static void walk_entry(struct walk *w, const char *path, const char *rel,
		       const char *base, const struct stat *st)
{
	if (S_ISDIR(st->st_mode)) {
		if (excluded(w->o, base, rel))
			return;
		if (on_stack(w, st)) {
			if (dir_skips_shown(w))
				push_path(w->out, path, LT_STATUS_SKIPPED,
					  "symlink loop");
			return;
		}
		if (w->depth == w->cap) {
			w->cap = w->cap ? w->cap * 2 : 16;
			w->stack = lt_xreallocarray(w->stack, w->cap,
						    sizeof *w->stack);
		}
		w->stack[w->depth].dev = st->st_dev;
		w->stack[w->depth].ino = st->st_ino;
		w->depth++;
		walk_dir(w, path, rel);
		w->depth--;
		return;
	}
	if (!wanted(w, base, rel))
		return;
	if (S_ISREG(st->st_mode))
		add_file(w->out, path, rel, w->o);
	else if (S_ISFIFO(st->st_mode))
		push_path(w->out, path, LT_STATUS_SKIPPED, "fifo");
	else if (S_ISSOCK(st->st_mode))
		push_path(w->out, path, LT_STATUS_SKIPPED, "socket");
	else if (S_ISCHR(st->st_mode) || S_ISBLK(st->st_mode))
		push_path(w->out, path, LT_STATUS_SKIPPED, "device");
	else
		push_path(w->out, path, LT_STATUS_SKIPPED, "special file");
}

static void walk_link(struct walk *w, const char *path, const char *rel,
		      const char *base)
{
	struct stat st;
	char *real;

	if (stat(path, &st) < 0) {
		int e = errno;

		if (!wanted(w, base, rel))
			return;
		if (e == ELOOP)
			push_path(w->out, path, LT_STATUS_SKIPPED,
				  "symlink loop");
		else if (e == ENOENT || e == ENOTDIR)
			push_path(w->out, path, LT_STATUS_SKIPPED,
				  "dangling symlink");
		else
			push_path(w->out, path, LT_STATUS_ERROR, strerror(e));
		return;
	}
	real = realpath(path, NULL);
	if (!real || !inside_root(w, real)) {
		if ((S_ISDIR(st.st_mode) && dir_skips_shown(w) &&
		     !excluded(w->o, base, rel)) ||
		    (!S_ISDIR(st.st_mode) && wanted(w, base, rel)))
			push_path(w->out, path, LT_STATUS_SKIPPED,
				  "symlink out of tree");
		free(real);
		return;
	}
	free(real);
	walk_entry(w, path, rel, base, &st);
}

static void walk_dir(struct walk *w, const char *path, const char *rel)
{
	DIR *d = opendir(path);
	struct dirent *de;
	char **names = NULL;
	size_t n = 0, cap = 0, i;

	if (!d) {
		push_path(w->out, path, LT_STATUS_ERROR, strerror(errno));
		return;
	}
	for (;;) {
		errno = 0;
		de = readdir(d);
		if (!de)
			break;
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 32;
			names = lt_xreallocarray(names, cap, sizeof *names);
		}
		names[n++] = lt_xstrdup(de->d_name);
	}
	if (errno != 0) /* listing cut short: say so, walk what we have */
		push_path(w->out, path, LT_STATUS_ERROR, strerror(errno));
	closedir(d);
	if (n > 1)
		qsort(names, n, sizeof *names, cmp_str);
	for (i = 0; i < n; i++) {
		char *child = join(path, names[i]);
		char *crel = rel[0] ? lt_xasprintf("%s/%s", rel, names[i])
				    : lt_xstrdup(names[i]);
		struct stat st;

		if (lstat(child, &st) < 0) {
			if (errno != ENOENT && wanted(w, names[i], crel))
				push_path(w->out, child, LT_STATUS_ERROR,
					  strerror(errno));
		} else if (S_ISLNK(st.st_mode)) {
			walk_link(w, child, crel, names[i]);
		} else {
			walk_entry(w, child, crel, names[i], &st);
		}
		free(child);
		free(crel);
		free(names[i]);
	}
	free(names);
}

static void walk_root(struct lt_source_list *out, const char *path,
		      const struct stat *st, const struct lt_source_opts *o)
{
	struct walk w;

	memset(&w, 0, sizeof w);
	w.o = o;
	w.out = out;
	w.root_real = realpath(path, NULL);
	if (!w.root_real) {
		push_path(out, path, LT_STATUS_ERROR, strerror(errno));
		return;
	}
	w.cap = 16;
	w.stack = lt_xreallocarray(NULL, w.cap, sizeof *w.stack);
	w.stack[0].dev = st->st_dev;
	w.stack[0].ino = st->st_ino;
	w.depth = 1;
	walk_dir(&w, path, "");
	free(w.stack);
	free(w.root_real);
}

/* ---- arguments ------------------------------------------------------------ */

int lt_sources_expand(const char *const *args, size_t nargs,
		      const struct lt_source_opts *opts,
		      struct lt_source_list *out, struct lt_err *err)
{
	size_t i;

	for (i = 0; i < nargs; i++) {
		const char *a = args[i];
		struct stat st;

		if (strcmp(a, "-") == 0) {
			push(out, LT_SRC_STDIN, "-");
		} else if (lt_pg_is_uri(a)) {
			if (lt_pg_expand(a, opts, out, err) < 0)
				return -1;
		} else if (stat(a, &st) < 0) {
			push_path(out, a, LT_STATUS_ERROR, strerror(errno));
		} else if (S_ISDIR(st.st_mode)) {
			walk_root(out, a, &st, opts);
		} else if (S_ISREG(st.st_mode)) {
			add_file(out, a, NULL, opts);
		} else {
			/* a FIFO or device named explicitly (e.g. a process
			 * substitution) is read as a stream */
			push_path(out, a, LT_STATUS_OK, NULL);
		}
	}
	return 0;
}
