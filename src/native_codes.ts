// Codes of the native engine's enums, looked up by name in the addon's own
// tables (native.enums, generated from one list per enum in native/), so no
// code is written out in TypeScript.
import { NativeEnums, native } from './native';

/**
 * @internal The code of each of `names` in `native.enums[table]`, frozen.
 * Throws when the module loads if the addon lacks a name: an addon built from
 * other sources than this TypeScript.
 */
export function nativeCodes<K extends string>(table: keyof NativeEnums, names: readonly K[]): Readonly<Record<K, number>> {
  const codes: Readonly<Record<string, number>> | undefined = native.enums?.[table];
  const out = {} as Record<K, number>;
  for (const name of names) {
    const code = codes && Object.hasOwn(codes, name) ? codes[name] : undefined;
    if (typeof code !== 'number') {
      throw new Error(`tensorforge: the native addon has no ${table} '${name}'; it was built from other sources (rebuild it: npm run build:native)`);
    }
    out[name] = code;
  }
  return Object.freeze(out);
}
