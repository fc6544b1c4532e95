/* SPDX-License-Identifier: GPL-2.0 */
/* Growing arrays of the model, without a separate capacity field. */
#ifndef _KUBENF_ARRAY_H
#define _KUBENF_ARRAY_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/*
 * The array @base of @n elements of @size bytes, with room for one more:
 * @base itself, a reallocated copy, or NULL when out of memory (@base is
 * then unchanged). The capacity is the next power of two of @n, so an
 * array must only ever grow through kubenf_array_add().
 */
static inline void *kubenf_array_grow(void *base, size_t n, size_t size)
{
	if (n > SIZE_MAX / 2 / size)
		return NULL;
	/* Full when n is 0 or a power of two. */
	if (n & (n - 1))
		return base;
	return realloc(base, (n ? 2 * n : 1) * size);
}

/*
 * Append a zeroed element to the array @arr (an lvalue pointer) of @n
 * (an lvalue count) elements; evaluates to the element, or NULL when out
 * of memory, and then nothing changed.
 */
#define kubenf_array_add(arr, n) ({					\
	__typeof__(arr) _base = kubenf_array_grow((arr), (n),		\
						  sizeof(*(arr)));	\
	__typeof__(arr) _elem = NULL;					\
									\
	if (_base) {							\
		(arr) = _base;						\
		_elem = &_base[(n)++];					\
		memset(_elem, 0, sizeof(*_elem));			\
	}								\
	_elem;								\
})

#endif /* _KUBENF_ARRAY_H */
