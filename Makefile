# lethe - data-minimisation and retention scanner.
#   make deps   install missing Debian packages (apt-get update once if needed)
#   make        build ./lethe (profile-guided with GCC; PGO=0: plain -O2)
#   make demo   deps + build + scan the bundled fixtures
#   make test   deps + build + every test, then again under ASan+UBSan
#   make bench  throughput benchmark (prints figures; not a test)
#   make bench-compare REV=COMMIT  that commit's lethe against this one
#   make bench-columns  where a scan's time goes, column by column
#   make bench-hyperscan  Hyperscan as a prefilter over the detectors' regexes
#   make install PREFIX=/usr/local

PREFIX   ?= /usr/local
CC       ?= cc
OPT      ?= -O2 -g
CFLAGS_W := -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -Wshadow \
            -Wstrict-prototypes -Wmissing-prototypes -Wno-unused-parameter
CPPFLAGS += -Iinclude -I/usr/include/postgresql
LIBS     := -lcsv -lpcre2-8 -lyaml -ljansson -larchive -lpq -lz -lpthread -lm
ifneq ($(wildcard /usr/include/isa-l/igzip_lib.h),)
  CPPFLAGS += -DLT_HAVE_ISAL=1
  LIBS     += -lisal
endif

# Debian packages the project needs (build, tests, benchmarks).
DEB_PKGS := build-essential pkg-config libcsv-dev libpcre2-dev libpq-dev \
            zlib1g-dev libyaml-dev libjansson-dev libarchive-dev \
            libcmocka-dev libisal-dev postgresql postgresql-client python3 \
            gzip zip unzip time ripgrep valgrind

SRC      := $(sort $(wildcard src/*.c src/*/*.c))
LIB_SRC  := $(filter-out src/main.c src/cmd_%.c,$(SRC))
OBJ      := $(SRC:%.c=build/rel/%.o)
LIB_OBJ  := $(LIB_SRC:%.c=build/rel/%.o)
ASAN_OBJ := $(SRC:%.c=build/asan/%.o)
ASAN_LIB := $(LIB_SRC:%.c=build/asan/%.o)
UNIT_SRC := $(sort $(wildcard tests/unit/test_*.c))
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=build/rel/tests/%)
UNIT_ASAN:= $(UNIT_SRC:tests/unit/%.c=build/asan/tests/%)
SAN      := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
HDRS     := $(wildcard include/lethe/*.h src/*.h src/*/*.h)

# Profile-guided release build (GCC; faster scans, see README): the
# sources are built once instrumented (build/pgo), that lethe trains on
# the generated corpus and the fixtures (tools/pgo_train.sh), and the
# release objects are built with the profile; code the training does not
# reach is optimised as without it.  make PGO=0: a plain -O2 build.
CC_CLANG := $(shell $(CC) -dM -E - </dev/null 2>/dev/null | grep -c __clang__)
HAVE_PY  := $(shell command -v python3 >/dev/null 2>&1 && echo 1)
PGO      ?= $(if $(and $(filter 0,$(CC_CLANG)),$(HAVE_PY)),1,0)
PGO_OBJ  := $(SRC:%.c=build/pgo/%.o)
# both builds of a source name its profile alike (build/pgo/prof/src_x.c.gcda):
# gcc tells a file's static functions apart by that name
PGO_NAME  = -dumpdir build/pgo/prof/ -dumpbase $(subst /,_,$<)
PGO_GEN  := -fprofile-generate -fprofile-update=atomic
# the mode the release objects were built in: switching rebuilds them
REL_MODE := build/rel/.pgo-$(PGO)
ifeq ($(PGO),1)
REL_DEP  := build/pgo/trained
# (profile-driven inlining and unrolling can raise false warnings of
# these kinds; they stay warnings)
REL_PGO   = -fprofile-use -fprofile-partial-training -Wno-missing-profile \
	    -Wno-error=maybe-uninitialized -Wno-error=array-bounds \
	    -Wno-error=stringop-overflow $(PGO_NAME)
endif

.PHONY: all deps demo test test-quick unit cli bench bench-compare bench-columns bench-hyperscan accuracy install clean

all: lethe

# V=1 shows the full commands.
Q := $(if $(V),,@)

lethe: $(OBJ)
	@echo "  LD      $@"
	$(Q)$(CC) $(OPT) -o $@ $^ $(LIBS)

$(REL_MODE):
	@mkdir -p $(dir $@)
	@rm -f build/rel/.pgo-*
	@touch $@

build/rel/%.o: %.c $(HDRS) $(REL_DEP) $(REL_MODE)
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(OPT) $(REL_PGO) $(CFLAGS_W) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

build/pgo/%.o: %.c $(HDRS)
	@mkdir -p $(dir $@)
	@echo "  CC-PGO  $<"
	$(Q)$(CC) $(OPT) $(PGO_GEN) $(PGO_NAME) $(CFLAGS_W) $(CPPFLAGS) $(CFLAGS) \
	    -c -o $@ $<

build/pgo/lethe: $(PGO_OBJ)
	@echo "  LD-PGO  $@"
	$(Q)$(CC) $(OPT) $(PGO_GEN) -o $@ $^ $(LIBS)

build/pgo/trained: build/pgo/lethe tools/pgo_train.sh tools/gen_corpus.py \
		   tools/checkdigits.py $(wildcard patterns/*.yaml) \
		   $(shell find fixtures -type f 2>/dev/null)
	@echo "  TRAIN   $@"
	$(Q)sh tools/pgo_train.sh
	@touch $@

build/asan/%.o: %.c $(HDRS)
	@mkdir -p $(dir $@)
	@echo "  CC-SAN  $<"
	$(Q)$(CC) -O1 -g $(SAN) $(CFLAGS_W) $(CPPFLAGS) -c -o $@ $<

build/lethe-asan: $(ASAN_OBJ)
	@echo "  LD-SAN  $@"
	$(Q)$(CC) $(SAN) -o $@ $^ $(LIBS)

build/rel/tests/%: tests/unit/%.c $(wildcard tests/unit/*.h) $(LIB_OBJ)
	@mkdir -p $(dir $@)
	@echo "  TEST    $@"
	$(Q)$(CC) $(OPT) $(CFLAGS_W) $(CPPFLAGS) -o $@ $< $(LIB_OBJ) $(LIBS) -lcmocka

build/asan/tests/%: tests/unit/%.c $(wildcard tests/unit/*.h) $(ASAN_LIB)
	@mkdir -p $(dir $@)
	@echo "  TEST-SAN $@"
	$(Q)$(CC) -O1 -g $(SAN) $(CFLAGS_W) $(CPPFLAGS) -o $@ $< $(ASAN_LIB) $(LIBS) -lcmocka

deps:
	@sh tools/deps.sh $(DEB_PKGS)

demo: deps
	@$(MAKE) --no-print-directory lethe
	./lethe scan fixtures/demo

# The whole suite, then once more under AddressSanitizer + UBSan.
test: deps
	@$(MAKE) --no-print-directory lethe build/lethe-asan $(UNIT_BIN) $(UNIT_ASAN)
	@sh tests/run.sh

BENCH_BIN := build/bench/split_bench build/bench/inflate_bench

build/bench/%: bench/%.c bench/benchutil.h $(LIB_OBJ)
	@mkdir -p $(dir $@)
	@echo "  BENCH   $@"
	$(Q)$(CC) $(OPT) $(CFLAGS_W) $(CPPFLAGS) -o $@ $< $(LIB_OBJ) $(LIBS)

bench: deps
	@$(MAKE) --no-print-directory lethe $(BENCH_BIN)
	@sh bench/bench.sh
	@sh bench/pg_bench.sh

# The lethe of an older commit against this tree's, timed alternately on
# the same export: make bench-compare REV=COMMIT.
bench-compare: deps
	@$(MAKE) --no-print-directory lethe
	@sh bench/compare.sh "$(REV)"

# Where a scan's time goes, column by column (bench/columns.sh).
bench-columns: deps
	@$(MAKE) --no-print-directory lethe
	@sh bench/columns.sh

# Hyperscan as a prefilter over the detectors' regexes (bench/hs_probe.sh).
bench-hyperscan: deps
	@sh bench/hs_probe.sh

# Column-level precision and recall on a generated, labelled corpus of
# 32,000 rows in every format and encoding (tools/gen_corpus.py).
accuracy: lethe
	@d=$$(mktemp -d) && python3 tools/gen_corpus.py $$d > /dev/null && \
	  python3 tools/accuracy.py --min-precision 0.98 --min-recall 0.98 --per-type-min 0.95 $$d; \
	  st=$$?; rm -rf $$d; exit $$st

install: lethe
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/lethe/patterns \
	  $(DESTDIR)$(PREFIX)/share/lethe/policies $(DESTDIR)$(PREFIX)/share/man/man1
	install -m 755 lethe $(DESTDIR)$(PREFIX)/bin/lethe
	install -m 644 patterns/*.yaml $(DESTDIR)$(PREFIX)/share/lethe/patterns/
	-install -m 644 policies/*.yaml $(DESTDIR)$(PREFIX)/share/lethe/policies/ 2>/dev/null
	install -m 644 man/lethe.1 $(DESTDIR)$(PREFIX)/share/man/man1/lethe.1

clean:
	rm -rf build lethe
