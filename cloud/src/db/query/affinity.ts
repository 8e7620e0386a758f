/** SQLite's type affinity of a declared column type (https://sqlite.org/datatype3.html, 3.1). */
export function affinity(type: string): 'TEXT' | 'INTEGER' | 'REAL' | 'BLOB' | 'NUMERIC' {
  const t = type.toUpperCase();
  if (t.includes('INT')) return 'INTEGER';
  if (/CHAR|CLOB|TEXT/.test(t)) return 'TEXT';
  if (t === '' || t.includes('BLOB')) return 'BLOB';
  if (/REAL|FLOA|DOUB/.test(t)) return 'REAL';
  return 'NUMERIC';
}
