/* Facts about a story's representative object, for the fix hints (facts.c). */
#ifndef HS_FACTS_H
#define HS_FACTS_H

#include "heap.h"

/* A new dict of facts about live node `rep`; NULL with an exception. */
PyObject *hs_story_facts(hs_live *L, uint32_t rep);

#endif
