import { HANDLER_ENV } from './env';

// A jest setup file: every unit test file starts with the environment the stacks give each function,
// because handlers and Powertools read their configuration when they are imported. jest gives each test
// file its own copy of process.env, so nothing set here or in a test leaks into another file.
Object.assign(process.env, HANDLER_ENV);
