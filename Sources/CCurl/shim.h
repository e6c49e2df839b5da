#ifndef CCURL_SHIM_H
#define CCURL_SHIM_H

#include <curl/curl.h>

// curl_easy_setopt, curl_easy_getinfo and curl_multi_setopt are variadic, which Swift cannot call.
// These typed wrappers are `static inline` so that including this header from several modules does
// not produce duplicate symbols.

typedef size_t (*ccurl_data_callback)(char *_Nonnull data, size_t size, size_t count, void *_Nullable context);

/// CURLOPT_SEEKFUNCTION's type: libcurl rewinds an upload's source with it (a request resent on a new connection).
typedef int (*ccurl_seek_callback)(void *_Nullable context, curl_off_t offset, int origin);

static inline CURLcode ccurl_easy_setopt_long(CURL *_Nonnull handle, CURLoption option, long value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode ccurl_easy_setopt_off_t(CURL *_Nonnull handle, CURLoption option, curl_off_t value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode ccurl_easy_setopt_string(CURL *_Nonnull handle, CURLoption option,
                                                const char *_Nullable value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode ccurl_easy_setopt_pointer(CURL *_Nonnull handle, CURLoption option, void *_Nullable value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode ccurl_easy_setopt_slist(CURL *_Nonnull handle, CURLoption option,
                                               struct curl_slist *_Nullable value) {
    return curl_easy_setopt(handle, option, value);
}

/// Sets CURLOPT_WRITEFUNCTION, CURLOPT_HEADERFUNCTION or CURLOPT_READFUNCTION (the same signature: the read
/// callback fills `data` with at most `size * count` bytes and returns how many).
static inline CURLcode ccurl_easy_setopt_data_callback(CURL *_Nonnull handle, CURLoption option,
                                                       ccurl_data_callback _Nullable callback) {
    return curl_easy_setopt(handle, option, callback);
}

static inline CURLcode ccurl_easy_setopt_seek_callback(CURL *_Nonnull handle, ccurl_seek_callback _Nullable callback) {
    return curl_easy_setopt(handle, CURLOPT_SEEKFUNCTION, callback);
}

static inline CURLcode ccurl_easy_getinfo_long(CURL *_Nonnull handle, CURLINFO info, long *_Nonnull value) {
    return curl_easy_getinfo(handle, info, value);
}

/// Reads a string info such as CURLINFO_REDIRECT_URL; `*value` stays owned by the handle (NULL when unset).
static inline CURLcode ccurl_easy_getinfo_string(CURL *_Nonnull handle, CURLINFO info,
                                                 const char *_Nullable *_Nonnull value) {
    return curl_easy_getinfo(handle, info, value);
}

static inline CURLMcode ccurl_multi_setopt_long(CURLM *_Nonnull multi, CURLMoption option, long value) {
    return curl_multi_setopt(multi, option, value);
}

/// Reads the next finished transfer from the multi handle, flattening CURLMsg's anonymous union.
/// Returns 1 and fills `easy` and `result` when a CURLMSG_DONE message was read, 0 when the queue is empty.
static inline int ccurl_multi_info_read_done(CURLM *_Nonnull multi, CURL *_Nullable *_Nonnull easy,
                                             CURLcode *_Nonnull result) {
    int remaining = 0;
    CURLMsg *message;
    while ((message = curl_multi_info_read(multi, &remaining)) != NULL) {
        if (message->msg == CURLMSG_DONE) {
            *easy = message->easy_handle;
            *result = message->data.result;
            return 1;
        }
    }
    return 0;
}

#endif
