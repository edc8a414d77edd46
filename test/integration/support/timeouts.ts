import { jest } from '@jest/globals';

// A jest setup file of the integration project: a test or hook without its own timeout gets 2 minutes
// (the unit project's 1 minute is jest.config.ts's testTimeout).
jest.setTimeout(120_000);
