/**
 * tsx's loader as an absolute URL: `--import tsx` resolves from the working directory, which for the
 * servers is the bench workspace, outside the repository's node_modules.
 */
export const TSX = import.meta.resolve('tsx');
