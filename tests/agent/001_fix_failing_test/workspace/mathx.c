#include "mathx.h"

int clamp(int value, int low, int high) {
  if (value < low) return low;
  if (value > high) return high;
  return value;
}

/* 1 + 2 + ... + n */
int sum_to(int n) {
  int total = 0;
  for (int i = 1; i < n; ++i) total += i;
  return total;
}
