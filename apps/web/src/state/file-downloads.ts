import type { FileResource } from '@kelisim/contracts';
import { errorText } from '../api/errors.js';
import { fileSources } from '../api/file-links.js';
import type { Http } from '../api/http.js';
import type { Notify } from './notices.js';

/** Files fetched for the screen (thumbnails) or to save (downloads). */
export class FileDownloads {
  private readonly blobs = new Map<string, Promise<string>>();

  constructor(
    private readonly http: Http,
    private readonly notify: Notify,
  ) {}

  /** A thumbnail behind the token (no signed link) as an object URL, fetched once per session. */
  blobUrl(path: string): Promise<string> {
    let url = this.blobs.get(path);
    if (!url) {
      url = this.http.blob(path).then((blob) => URL.createObjectURL(blob));
      void url.catch(() => this.blobs.delete(path));
      this.blobs.set(path, url);
    }
    return url;
  }

  /**
   * Saves a file: fetched through its signed link (no token), or with the token when it has none,
   * then saved from a blob URL. A fetch, not a navigation, so the page's own routes never answer it.
   */
  async download(file: FileResource): Promise<void> {
    const { path, withToken } = fileSources(file).download;
    const name = file.name;
    try {
      const url = URL.createObjectURL(await this.http.blob(path, withToken));
      const link = document.createElement('a');
      link.href = url;
      link.download = name;
      document.body.append(link);
      link.click();
      link.remove();
      window.setTimeout(() => URL.revokeObjectURL(url), 60_000);
    } catch (error) {
      this.notify(errorText(error));
    }
  }

  /** Signing out: the object URLs made so far are released. */
  releaseAll(): void {
    for (const url of this.blobs.values())
      void url.then(
        (u) => URL.revokeObjectURL(u),
        () => undefined,
      );
    this.blobs.clear();
  }
}
