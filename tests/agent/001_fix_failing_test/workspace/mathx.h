#ifndef MATHX_H
#define MATHX_H

int clamp(int value, int low, int high);
int sum_to(int n);

#endif
