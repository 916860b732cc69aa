/** `arg` as a POSIX shell reads it back: as is when plain, else in single quotes. Pure. */
export function shellQuote(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}
