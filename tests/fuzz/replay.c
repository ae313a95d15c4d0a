/*
 * Replays inputs through a libFuzzer harness without libFuzzer, so that
 * `make check` runs every seed and every input that ever found a bug
 * with the compiler at hand (gcc; with SANITIZE=1, under ASan+UBSan).
 * usage: replay_HARNESS FILE ...; exits 1 when a file cannot be read.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int main(int argc, char **argv);

int
main(int argc, char **argv)
{
	static uint8_t buf[1 << 20];
	int i;

	for (i = 1; i < argc; i++) {
		FILE *f = fopen(argv[i], "rb");
		size_t n;

		if (f == NULL) {
			perror(argv[i]);
			return 1;
		}
		n = fread(buf, 1, sizeof(buf), f);
		fclose(f);
		LLVMFuzzerTestOneInput(buf, n);
	}
	printf("replay: %d inputs\n", argc - 1);
	return 0;
}
