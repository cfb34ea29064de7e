package org.wsging.exchange;

/**
 * A response body the front end sends from a file itself (spec A.2, FILE_RESPONSE): the worker
 * names the file and the front end opens it, checks it and hands it to the socket (sendfile).
 *
 * @param path   the absolute path, one char per byte (ISO-8859-1) as the worker's file system gave it
 * @param offset where the body starts in the file
 * @param length the body's size in bytes
 * @param device the {@code st_dev} of the file the worker opened (unsigned)
 * @param inode  its {@code st_ino} (unsigned): with {@code device}, which file it was
 */
public record FileBody(CharSequence path, long offset, long length, long device, long inode) {}
