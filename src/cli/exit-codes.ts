/** DESIGN.md: 0 success, 1 user error (bad config, unknown route), 2 cannot reach the admin API. */
export const EXIT_OK = 0;
export const EXIT_USER_ERROR = 1;
export const EXIT_UNREACHABLE = 2;
