#!/bin/sh
# Lint: clang-format (check, or --fix to rewrite) on every C and C++ file, cppcheck on the C.
set -eu
cd "$(dirname "$0")/.."

FILES=$(find include src tools tests bench examples -name '*.[ch]' -o -name '*.cpp' 2>/dev/null | sort)

if [ "${1:-}" = "--fix" ]; then
	clang-format -i $FILES
	exit 0
fi

echo "lint: clang-format"
clang-format --dry-run --Werror $FILES

echo "lint: cppcheck"
cppcheck --quiet --error-exitcode=1 --std=c11 --enable=warning,portability,performance \
	--inline-suppr --suppress=missingIncludeSystem -D__GNUC__ -D__x86_64__ -D__CPPCHECK__ \
	-I include -I src $(find src tools -name '*.c' | sort)
echo "lint: clean"
