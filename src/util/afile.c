/*
 * afile.c - atomic output files: every report, plan and redacted copy is
 * written to a temporary beside its destination, fsynced, then renamed.
 * Temporaries still open are removed at exit and on SIGINT/SIGTERM/SIGHUP.
 * A destination that exists and is not a regular file (/dev/null, a FIFO,
 * a terminal) is written in place: renaming over it would replace the
 * device or pipe with a file.
 */
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lethe/util.h"

#define MAX_LIVE 64

struct lt_afile {
	char *path;   /* destination, or NULL for stdout */
	bool direct;  /* path is a device or pipe, written in place */
	char *tmp;    /* temporary path */
	FILE *fp;
	int slot;     /* index in live[], -1 when none */
};

/* Temporaries to remove on a signal.  Signal handlers read this table, so
 * slots hold fixed-size copies of the path. */
static char live[MAX_LIVE][4096];
static volatile sig_atomic_t live_used[MAX_LIVE];
static pthread_mutex_t live_mu = PTHREAD_MUTEX_INITIALIZER;
static int handlers_installed;

static void on_signal(int sig)
{
	for (int i = 0; i < MAX_LIVE; i++)
		if (live_used[i])
			unlink(live[i]);
	signal(sig, SIG_DFL);
	raise(sig);
}

static void on_exit_cleanup(void)
{
	for (int i = 0; i < MAX_LIVE; i++)
		if (live_used[i])
			unlink(live[i]);
}

static int live_add(const char *tmp)
{
	int slot = -1;

	if (strlen(tmp) >= sizeof live[0])
		return -1;
	pthread_mutex_lock(&live_mu);
	if (!handlers_installed) {
		struct sigaction sa;

		memset(&sa, 0, sizeof sa);
		sa.sa_handler = on_signal;
		sigaction(SIGINT, &sa, NULL);
		sigaction(SIGTERM, &sa, NULL);
		sigaction(SIGHUP, &sa, NULL);
		atexit(on_exit_cleanup);
		handlers_installed = 1;
	}
	for (int i = 0; i < MAX_LIVE; i++) {
		if (!live_used[i]) {
			strcpy(live[i], tmp);
			live_used[i] = 1;
			slot = i;
			break;
		}
	}
	pthread_mutex_unlock(&live_mu);
	return slot;
}

static void live_del(int slot)
{
	if (slot < 0)
		return;
	pthread_mutex_lock(&live_mu);
	live_used[slot] = 0;
	pthread_mutex_unlock(&live_mu);
}

int lt_afile_open(const char *path, struct lt_afile **out, struct lt_err *err)
{
	struct lt_afile *af = lt_xcalloc(1, sizeof *af);
	struct stat st;
	bool exists;
	int fd;

	af->slot = -1;
	if (strcmp(path, "-") == 0) {
		af->fp = stdout;
		*out = af;
		return 0;
	}
	af->path = lt_xstrdup(path);
	exists = stat(path, &st) == 0;
	if (exists && S_ISDIR(st.st_mode)) {
		lt_err_set(err, LT_E_IO, path, 0, "cannot write output: %s",
			   strerror(EISDIR));
		goto fail;
	}
	if (exists && !S_ISREG(st.st_mode)) {
		af->direct = true;
		if (!(af->fp = fopen(path, "w"))) {
			lt_err_set(err, LT_E_IO, path, 0, "cannot open output: %s",
				   strerror(errno));
			goto fail;
		}
		*out = af;
		return 0;
	}
	af->tmp = lt_xasprintf("%s.lethe-tmp.XXXXXX", path);
	fd = mkstemp(af->tmp);
	if (fd < 0) {
		lt_err_set(err, LT_E_IO, path, 0, "cannot create output: %s",
			   strerror(errno));
		goto fail;
	}
	af->slot = live_add(af->tmp);
	fchmod(fd, 0644); /* mkstemp gives 0600; reports are not secret */
	af->fp = fdopen(fd, "w");
	if (!af->fp) {
		lt_err_set(err, LT_E_IO, path, 0, "cannot open output: %s",
			   strerror(errno));
		close(fd);
		unlink(af->tmp);
		live_del(af->slot);
		goto fail;
	}
	*out = af;
	return 0;
fail:
	free(af->path);
	free(af->tmp);
	free(af);
	return -1;
}

FILE *lt_afile_fp(struct lt_afile *af)
{
	return af->fp;
}

static void afile_free(struct lt_afile *af)
{
	free(af->path);
	free(af->tmp);
	free(af);
}

int lt_afile_commit(struct lt_afile *af, struct lt_err *err)
{
	int rc = 0;

	if (!af->path) {
		if (fflush(af->fp) != 0 || ferror(af->fp)) {
			if (errno != EPIPE)
				rc = lt_err_set(err, LT_E_IO, "<stdout>", 0,
						"write failed: %s",
						strerror(errno));
		}
		afile_free(af);
		return rc;
	}
	if (af->direct) {
		if (fflush(af->fp) != 0 || ferror(af->fp))
			rc = lt_err_set(err, LT_E_IO, af->path, 0,
					"write failed: %s", strerror(errno));
		if (fclose(af->fp) != 0 && !rc)
			rc = lt_err_set(err, LT_E_IO, af->path, 0,
					"close failed: %s", strerror(errno));
		afile_free(af);
		return rc;
	}
	if (fflush(af->fp) != 0 || ferror(af->fp) || fsync(fileno(af->fp)) != 0) {
		rc = lt_err_set(err, LT_E_IO, af->path, 0, "write failed: %s",
				strerror(errno));
		fclose(af->fp);
	} else if (fclose(af->fp) != 0) {
		rc = lt_err_set(err, LT_E_IO, af->path, 0, "close failed: %s",
				strerror(errno));
	} else if (rename(af->tmp, af->path) != 0) {
		rc = lt_err_set(err, LT_E_IO, af->path, 0, "rename failed: %s",
				strerror(errno));
	}
	if (rc)
		unlink(af->tmp);
	live_del(af->slot);
	afile_free(af);
	return rc;
}

void lt_afile_abort(struct lt_afile *af)
{
	if (!af)
		return;
	if (af->path && af->direct) {
		fclose(af->fp);
	} else if (af->path) {
		fclose(af->fp);
		unlink(af->tmp);
		live_del(af->slot);
	}
	afile_free(af);
}

int lt_afile_check(const char *path, struct lt_err *err)
{
	struct lt_afile *af;
	struct stat st;

	/* stdout, or a device or pipe (opening that could wait for a
	 * reader): nothing to check ahead */
	if (strcmp(path, "-") == 0 ||
	    (stat(path, &st) == 0 && !S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode)))
		return 0;
	/* the same steps as the real thing, then nothing kept */
	if (lt_afile_open(path, &af, err) < 0)
		return -1;
	lt_afile_abort(af);
	return 0;
}
