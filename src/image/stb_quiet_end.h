// Internal: ends what stb_quiet_begin.h began (the warnings as they were before it).
#if defined(__GNUC__)
#pragma GCC diagnostic pop
#endif
