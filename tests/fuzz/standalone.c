/*
 * standalone.c - runs a libFuzzer harness over files without libFuzzer, so
 * `make check` replays every fuzz corpus (and any crash found earlier) with
 * the ordinary compiler and, under --enable-asan, the sanitizers.
 *
 *   fuzz-props FILE...   (each file is one input; directories are walked)
 *   fuzz-props           (replays $top_srcdir/tests/fuzz/corpus/props)
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static int n_inputs;

static void
run_file(const char *path)
{
	FILE *f;
	uint8_t *data = NULL;
	size_t len = 0, cap = 0, r;

	if ((f = fopen(path, "rb")) == NULL) {
		perror(path);
		exit(1);
	}
	do {
		if (len == cap) {
			cap = cap ? cap * 2 : 4096;
			if ((data = realloc(data, cap)) == NULL)
				abort();
		}
		r = fread(data + len, 1, cap - len, f);
		len += r;
	} while (r > 0);
	fclose(f);
	LLVMFuzzerTestOneInput(data, len);
	free(data);
	n_inputs++;
}

static void
run_path(const char *path)
{
	struct stat st;
	DIR *d;
	struct dirent *de;
	char sub[4096];

	if (stat(path, &st) == -1) {
		perror(path);
		exit(1);
	}
	if (!S_ISDIR(st.st_mode)) {
		run_file(path);
		return;
	}
	if ((d = opendir(path)) == NULL) {
		perror(path);
		exit(1);
	}
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(sub, sizeof sub, "%s/%s", path, de->d_name);
		run_path(sub);
	}
	closedir(d);
}

int
main(int argc, char **argv)
{
	int i;
	char dir[4096];
	const char *top = getenv("top_srcdir"), *base;

	if (argc == 1) {
		base = strrchr(argv[0], '/');
		base = base ? base + 1 : argv[0];
		if (strncmp(base, "fuzz-", 5) == 0)
			base += 5;
		snprintf(dir, sizeof dir, "%s/tests/fuzz/corpus/%s",
		    top ? top : ".", base);
		run_path(dir);
	}
	for (i = 1; i < argc; i++)
		run_path(argv[i]);
	printf("1..1\nok 1 - %d inputs replayed without a crash\n", n_inputs);
	return 0;
}
