/**
 * The addresses of the citizens' pages (issue 10). Each commune's are under `/xa/<commune code>/`;
 * a single-commune install also keeps the addresses it had before (base ''), which then serve its
 * one commune. `/xa` itself is the province's page listing the communes.
 */
export const PROVINCE_PAGE = '/xa';

/** The base of a commune's pages: '' for the old addresses of a single-commune install. */
export const communeBase = (communeCode: string) => `${PROVINCE_PAGE}/${encodeURIComponent(communeCode)}`;

/** Every citizens' page of one site (a commune's, under `base`). */
export function publicPaths(base: string) {
  return {
    report: `${base}/phan-anh`,
    lookup: `${base}/phan-anh/tra-cuu`,
    status: (code: string) => `${base}/phan-anh/${code}`,
    notices: `${base}/thong-bao`,
    feed: `${base}/thong-bao/atom.xml`,
    // bulletin ids are newId()'s letters, digits and '_': nothing to escape (and ':id' stays a route pattern)
    audio: (noticeId: string) => `${base}/thong-bao/${noticeId}/audio`,
  };
}
export type PublicPaths = ReturnType<typeof publicPaths>;
