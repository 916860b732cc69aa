/* The BLAS this addon calls, found at run time with dlopen so that the addon builds without BLAS
 * headers or libraries and loads (reporting why) on a machine that has none. */
#ifndef GAN_AUGMENT_BLAS_H
#define GAN_AUGMENT_BLAS_H

/* cblas enum values (identical in OpenBLAS, Accelerate and the reference CBLAS). */
enum { ROW_MAJOR = 101, NO_TRANS = 111, TRANS = 112, LOWER = 122 };

typedef void (*sgemm_fn)(int order, int transA, int transB, int m, int n, int k, float alpha, const float *a, int lda,
                         const float *b, int ldb, float beta, float *c, int ldc);

/* Tries each path in turn; on success returns 0 and fills `which` with the path that loaded. On
 * failure returns -1 and writes the reasons into `err`. */
int blas_load(const char *const *paths, int count, char *err, int errlen);
/* The loaded library's path, its self-description (e.g. "OpenBLAS 0.3.21 DYNAMIC_ARCH … Haswell"), or
 * an empty string. */
const char *blas_path(void);
const char *blas_config(void);
/* Thread control: OpenBLAS only; -1 when the library offers none. */
int blas_set_threads(int n);
int blas_get_threads(void);

typedef void (*dsyrk_fn)(int order, int uplo, int trans, int n, int k, double alpha, const double *a, int lda,
                         double beta, double *c, int ldc);

typedef void (*dgemm_fn)(int order, int transA, int transB, int m, int n, int k, double alpha, const double *a, int lda,
                         const double *b, int ldb, double beta, double *c, int ldc);

extern sgemm_fn blas_sgemm;
/* cblas_dgemm where the library has it, else NULL: the near-copy filter's integer pixel products. */
extern dgemm_fn blas_dgemm;
/* cblas_dsyrk where the library has it (OpenBLAS, Accelerate), else NULL: FID's covariance. */
extern dsyrk_fn blas_dsyrk;

#endif
