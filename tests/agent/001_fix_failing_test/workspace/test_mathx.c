#include <stdio.h>

#include "mathx.h"

static int failures = 0;

static void expect_eq(const char* what, int got, int want) {
  if (got != want) {
    printf("FAIL %s: got %d, want %d\n", what, got, want);
    ++failures;
  }
}

int main(void) {
  expect_eq("clamp(5, 0, 3)", clamp(5, 0, 3), 3);
  expect_eq("clamp(-1, 0, 3)", clamp(-1, 0, 3), 0);
  expect_eq("sum_to(4)", sum_to(4), 10);
  expect_eq("sum_to(1)", sum_to(1), 1);
  if (failures == 0) printf("all tests passed\n");
  return failures == 0 ? 0 : 1;
}
