#ifndef @@guard@@
#define @@guard@@

typedef struct {
    long count;
    long long sum;
    long min;
    long max;
} @@p@@_summary;

void @@p@@_init(@@p@@_summary *s);
void @@p@@_add(@@p@@_summary *s, long v);

#endif
