// A jest setup file. jest runs each test file in a vm context of its own, but hands it Node's
// structuredClone, whose objects and arrays belong to the outer context; node:util's
// isDeepStrictEqual, which compares prototypes, then fails on equal values (as scripts/event-examples.ts
// meets it). Here structuredClone returns this context's objects and arrays, as it does outside jest.

const outerClone = globalThis.structuredClone;
const OUTER_OBJECT_PROTOTYPE = Object.getPrototypeOf(outerClone({}));

function toThisContext(value: unknown): unknown {
  if (Array.isArray(value)) return Array.from(value, toThisContext);
  if (
    value !== null &&
    typeof value === 'object' &&
    Object.getPrototypeOf(value) === OUTER_OBJECT_PROTOTYPE
  ) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toThisContext(v)]));
  }
  return value;
}

globalThis.structuredClone = ((value: unknown, options?: Parameters<typeof structuredClone>[1]) =>
  toThisContext(outerClone(value, options))) as typeof structuredClone;
