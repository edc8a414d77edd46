import { en } from 'zod/locales';
import * as z from 'zod/mini';

/**
 * Zod for every schema that a function bundles: the tree-shakable `zod/mini` API on the same core as
 * `zod`, so parsing, issue codes, paths and JSON Schema are the same, but a bundle carries only the
 * schema types and checks it uses. The classic `zod` API cannot be tree-shaken (every schema carries
 * every method) and cost each function about 80 KB and a quarter of its cold-start init
 * (`npm run bench:bundles`, README "Bundles").
 *
 * `zod/mini` loads no locale; English is registered here, so every message reads as with `zod`.
 */
z.config(en());

export * from 'zod/mini';
