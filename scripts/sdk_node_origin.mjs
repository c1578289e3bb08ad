// Commet's Node SDK has its origin built in (https://commet.co; before 2.0 also
// https://sandbox.commet.co) and no option to change it, so the SDK checks point `fetch` here;
// nothing else is touched.
export const realFetch = globalThis.fetch;

// Sends the SDK's requests to `origin`; returns the set every answer's Commet-Version goes into.
export function pointFetchAt(origin) {
  const answeredIn = new Set();
  globalThis.fetch = async (url, init) => {
    const answer = await realFetch(String(url).replace(/^https:\/\/(sandbox\.)?commet\.co/, origin), init);
    answeredIn.add(answer.headers.get("commet-version"));
    return answer;
  };
  return answeredIn;
}
