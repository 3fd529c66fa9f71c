/** Injection token of the validated ApiConfig. */
export const API_CONFIG = Symbol('API_CONFIG');

/** Injection token of the api's Logger (@dialogstack/runtime). */
export const LOGGER = Symbol('LOGGER');
