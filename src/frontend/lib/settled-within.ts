/**
 * The value of `promise` if it settles within `ms`, else undefined (the promise keeps running:
 * await it again to get its value later). `promise` must not reject: an api call here returns
 * its failure as a value.
 */
export async function settledWithin<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<undefined>((resolve) => { timer = setTimeout(resolve, ms, undefined); });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
