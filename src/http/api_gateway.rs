//! API Gateway's HTTP API events (payload 2.0) into requests, and responses back into its
//! answers: what `lambda_http::run` does, without its two ways of failing an invocation, which
//! API Gateway answers with a bare 500 before any of our code runs. A raw `"`, `<`, `>` or space
//! in the query (or path) made lambda_http panic building the URI: here such bytes are
//! percent-encoded, so the request is served and its query read like any other. A header value
//! with a control character, or an event that is not JSON, failed its deserialization: here it
//! is `Unreadable` and answered in the contract's envelope.

use std::fmt;
use std::marker::PhantomData;

use aws_lambda_events::apigw::{ApiGatewayV2httpRequestContext, ApiGatewayV2httpResponse};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use lambda_http::http::header::{COOKIE, HOST, HeaderName, SET_COOKIE};
use lambda_http::http::{HeaderMap, HeaderValue, Uri};
use lambda_http::request::RequestContext;
use lambda_http::{Body, Context, Request, RequestExt, Response};
use percent_encoding::{AsciiSet, CONTROLS, utf8_percent_encode};
use serde::de::{self, MapAccess, Visitor};
use serde::{Deserialize, Deserializer};

/// Bytes `http`'s URI parser refuses in a path or query that API Gateway may pass on raw (it
/// forwards what the client sent). Percent-encoded, they read back as sent; `%` itself is left
/// alone, so what the client encoded stays encoded once.
const REFUSED_IN_URI: &AsciiSet = &CONTROLS.add(b' ').add(b'"').add(b'<').add(b'>').add(b'#');

/// What the runtime hands over: API Gateway's request, or an event none could be read from.
#[derive(Debug)]
pub enum ApiGatewayEvent {
    Request(Box<HttpApiRequest>),
    Unreadable,
}

/// The parts of an HTTP API request (payload 2.0) a request is made of; the rest of the event
/// (`queryStringParameters`, `pathParameters`, `stageVariables`, ...) is skipped, not built. Not
/// aws_lambda_events' `ApiGatewayV2httpRequest`: it reads header values with
/// `HeaderValue::from_str`, which from http 1.6 refuses every byte outside ASCII (a CDN's city
/// name, a browser's user agent), and through an untagged enum that buffers each value first.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HttpApiRequest {
    #[serde(default, alias = "path")]
    raw_path: Option<String>,
    #[serde(default)]
    raw_query_string: Option<String>,
    #[serde(default)]
    cookies: Option<Vec<String>>,
    #[serde(default, deserialize_with = "header_map")]
    headers: HeaderMap,
    request_context: ApiGatewayV2httpRequestContext,
    #[serde(default)]
    body: Option<String>,
    #[serde(default)]
    is_base64_encoded: bool,
}

impl<'de> Deserialize<'de> for ApiGatewayEvent {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        // The failure is kept rather than returned: returned, the runtime fails the invocation.
        // Its text is not kept either: it quotes the offending value, which may be a key.
        Ok(match HttpApiRequest::deserialize(deserializer) {
            Ok(request) => Self::Request(Box::new(request)),
            Err(_) => Self::Unreadable,
        })
    }
}

/// API Gateway's `headers`, names and values as HTTP carries them: any byte but the control
/// characters HTTP refuses (tab allowed), so UTF-8 text outside ASCII is kept as its bytes.
/// `null` or absent is no header.
fn header_map<'de, D: Deserializer<'de>>(deserializer: D) -> Result<HeaderMap, D::Error> {
    deserializer.deserialize_option(HeaderMapVisitor)
}

struct HeaderMapVisitor;

impl<'de> Visitor<'de> for HeaderMapVisitor {
    type Value = HeaderMap;

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("a map of header names to their values")
    }

    fn visit_none<E: de::Error>(self) -> Result<HeaderMap, E> {
        Ok(HeaderMap::new())
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<HeaderMap, D::Error> {
        deserializer.deserialize_map(self)
    }

    fn visit_map<M: MapAccess<'de>>(self, mut entries: M) -> Result<HeaderMap, M::Error> {
        let mut headers = HeaderMap::with_capacity(entries.size_hint().unwrap_or(0));
        while let Some((HeaderPart(name), HeaderPart(value))) =
            entries.next_entry::<HeaderPart<HeaderName>, HeaderPart<HeaderValue>>()?
        {
            headers.append(name, value);
        }
        Ok(headers)
    }
}

/// A header's name or value, made straight from the event's text (no `String` between).
struct HeaderPart<T>(T);

impl<'de, T: for<'a> TryFrom<&'a [u8]>> Deserialize<'de> for HeaderPart<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_str(HeaderPartVisitor(PhantomData))
    }
}

struct HeaderPartVisitor<T>(PhantomData<T>);

impl<T: for<'a> TryFrom<&'a [u8]>> Visitor<'_> for HeaderPartVisitor<T> {
    type Value = HeaderPart<T>;

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("a header name or value HTTP allows")
    }

    fn visit_str<E: de::Error>(self, text: &str) -> Result<HeaderPart<T>, E> {
        T::try_from(text.as_bytes())
            .map(HeaderPart)
            .map_err(|_| E::custom("a header name or value HTTP refuses"))
    }
}

impl ApiGatewayEvent {
    /// Reads an event's JSON as the Lambda runtime does (a `serde_json::Deserializer` over the
    /// bytes, trailing ones not refused). An error here is one the runtime would have failed
    /// the invocation with: `deserialize` keeps that from happening.
    pub fn from_slice(json: &[u8]) -> Result<Self, serde_json::Error> {
        Self::deserialize(&mut serde_json::Deserializer::from_slice(json))
    }
}

/// The request `event` carries, with the invocation's `context`: its URI, headers, body and the
/// extensions the pipeline reads through `lambda_http::RequestExt` (the raw path, API Gateway's
/// request context, the Lambda context). A body marked base64 that is not stays the text it is,
/// for the handler to refuse as it refuses any body it cannot read.
pub fn into_request(event: HttpApiRequest, context: Context) -> Request {
    let body = match event.body {
        None => Body::Empty,
        Some(body) if event.is_base64_encoded => match STANDARD.decode(&body) {
            Ok(bytes) => Body::Binary(bytes),
            Err(_) => Body::Text(body),
        },
        Some(body) => Body::Text(body),
    };
    let raw_path = event.raw_path.unwrap_or_default();
    let mut headers = event.headers;
    if let Some(cookies) = event.cookies
        && let Ok(value) = HeaderValue::from_bytes(cookies.join("; ").as_bytes())
    {
        headers.insert(COOKIE, value);
    }
    if let Some(trace) = context.xray_trace_id.as_deref()
        && let Ok(value) = HeaderValue::from_str(trace)
    {
        headers.insert("x-amzn-trace-id", value);
    }
    let host = headers
        .get(HOST)
        .and_then(|value| value.to_str().ok())
        .or(event.request_context.domain_name.as_deref());
    let uri = request_uri(
        host,
        &raw_path,
        event.raw_query_string.as_deref().unwrap_or_default(),
    );

    let mut request = Request::new(body);
    *request.method_mut() = event.request_context.http.method.clone();
    *request.uri_mut() = uri;
    *request.headers_mut() = headers;
    request
        .with_raw_http_path(raw_path)
        .with_request_context(RequestContext::ApiGatewayV2(event.request_context))
        .with_lambda_context(context)
}

/// `https://<host><path>?<query>`, the bytes a URI may not hold percent-encoded; without the
/// host when it does not make a URI (the path and query are what the handlers read).
fn request_uri(host: Option<&str>, raw_path: &str, query: &str) -> Uri {
    let path = utf8_percent_encode(
        if raw_path.is_empty() { "/" } else { raw_path },
        REFUSED_IN_URI,
    );
    let mut target = path.to_string();
    if !query.is_empty() {
        target.push('?');
        target.extend(utf8_percent_encode(query, REFUSED_IN_URI));
    }
    host.and_then(|host| format!("https://{host}{target}").parse().ok())
        .or_else(|| target.parse().ok())
        .unwrap_or_default()
}

/// API Gateway's answer for `response`: a binary body base64-encoded, `Set-Cookie` in `cookies`
/// (as HTTP APIs take them), the other headers as they are.
pub fn into_response(response: Response<Body>) -> ApiGatewayV2httpResponse {
    let (parts, body) = response.into_parts();
    let mut headers: HeaderMap = parts.headers;
    let cookies = headers
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok().map(str::to_owned))
        .collect();
    headers.remove(SET_COOKIE);
    let (is_base64_encoded, body) = match body {
        Body::Empty => (false, None),
        Body::Binary(bytes) => (true, Some(Body::Binary(bytes))),
        other => (false, Some(other)),
    };
    let mut answer = ApiGatewayV2httpResponse::default();
    answer.status_code = i64::from(parts.status.as_u16());
    answer.headers = headers;
    answer.cookies = cookies;
    answer.body = body;
    answer.is_base64_encoded = is_base64_encoded;
    answer
}

#[cfg(test)]
mod tests {
    use lambda_http::http::StatusCode;
    use serde_json::json;

    use super::*;

    fn event_json(raw_path: &str, query: &str, headers: serde_json::Value) -> String {
        json!({
            "version": "2.0",
            "routeKey": "$default",
            "rawPath": raw_path,
            "rawQueryString": query,
            "headers": headers,
            "requestContext": {
                "accountId": "123456789012",
                "apiId": "api",
                "domainName": "api.example.com",
                "http": {
                    "method": "GET",
                    "path": raw_path,
                    "protocol": "HTTP/1.1",
                    "sourceIp": "192.0.2.1",
                    "userAgent": "tests"
                },
                "requestId": "gateway-id",
                "routeKey": "$default",
                "stage": "$default",
                "time": "06/Dec/2026:21:00:00 +0000",
                "timeEpoch": 1796590800000u64
            },
            "isBase64Encoded": false
        })
        .to_string()
    }

    fn request_of(json: &str) -> Request {
        match ApiGatewayEvent::from_slice(json.as_bytes()).unwrap() {
            ApiGatewayEvent::Request(event) => into_request(*event, Context::default()),
            ApiGatewayEvent::Unreadable => panic!("unreadable: {json}"),
        }
    }

    #[test]
    fn bytes_a_uri_refuses_are_percent_encoded_and_the_rest_kept() {
        // lambda_http 1.3.2 panicked on each of these queries, and the function answered nothing.
        for (query, expected) in [
            (r#"status="paid""#, "status=%22paid%22"),
            ("search=<b>", "search=%3Cb%3E"),
            ("search=a b", "search=a%20b"),
            ("search=a%20b&x={|^}", "search=a%20b&x={|^}"),
            ("search=é", "search=%C3%A9"),
        ] {
            let request = request_of(&event_json("/api/v1/payments", query, json!({})));
            assert_eq!(request.uri().query(), Some(expected), "{query}");
            assert_eq!(request.uri().host(), Some("api.example.com"));
        }
        let request = request_of(&event_json("/api/v1/pay ments", "", json!({})));
        assert_eq!(request.uri().path(), "/api/v1/pay%20ments");
        assert_eq!(request.raw_http_path(), "/api/v1/pay ments");
    }

    #[test]
    fn the_request_keeps_what_the_pipeline_reads() {
        let json = event_json(
            "/api/v1/payments",
            "limit=2",
            json!({ "host": "pay.example.com", "x-api-key": "ck_test_x" }),
        );
        let request = request_of(&json);
        assert_eq!(request.method(), "GET");
        assert_eq!(
            request.uri().to_string(),
            "https://pay.example.com/api/v1/payments?limit=2"
        );
        assert_eq!(request.headers()["x-api-key"], "ck_test_x");
        match request.request_context_ref() {
            Some(RequestContext::ApiGatewayV2(context)) => {
                assert_eq!(context.request_id.as_deref(), Some("gateway-id"));
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_body_marked_base64_is_decoded_and_one_that_is_not_base64_kept_as_text() {
        let mut event: serde_json::Value =
            serde_json::from_str(&event_json("/pay/x", "", json!({}))).unwrap();
        event["isBase64Encoded"] = json!(true);
        event["body"] = json!("YT0x");
        let request = request_of(&event.to_string());
        assert!(matches!(request.body(), Body::Binary(bytes) if bytes == b"a=1"));
        event["body"] = json!("not base64!");
        let request = request_of(&event.to_string());
        assert!(matches!(request.body(), Body::Text(text) if text == "not base64!"));
    }

    #[test]
    fn header_values_outside_ascii_or_escaped_are_kept_as_sent() {
        let json = event_json(
            "/api/v1/payments",
            "",
            json!({ "cf-ipcity": "Córdoba", "x-note": "say \"hi\"\tthere", "X-Upper": "1" }),
        );
        let request = request_of(&json);
        let headers = request.headers();
        assert_eq!(headers["cf-ipcity"].as_bytes(), "Córdoba".as_bytes());
        assert_eq!(headers["x-note"], "say \"hi\"\tthere");
        assert_eq!(headers["x-upper"], "1");
        assert_eq!(headers.len(), 3);

        let mut event: serde_json::Value = serde_json::from_str(&json).unwrap();
        event["cookies"] = json!(["csrf=x", "name=Benoît"]);
        let request = request_of(&event.to_string());
        let cookie = request.headers()[COOKIE].as_bytes();
        assert_eq!(cookie, "csrf=x; name=Benoît".as_bytes());
    }

    #[test]
    fn headers_null_or_absent_are_none() {
        let mut event: serde_json::Value =
            serde_json::from_str(&event_json("/api/v1/payments", "", json!(null))).unwrap();
        assert!(request_of(&event.to_string()).headers().is_empty());
        event.as_object_mut().unwrap().remove("headers");
        assert!(request_of(&event.to_string()).headers().is_empty());
    }

    #[test]
    fn control_characters_in_a_header_and_text_that_is_not_json_are_unreadable() {
        for json in [
            event_json("/api/v1/payments", "", json!({ "x-note": "a\u{1}b" })),
            event_json("/api/v1/payments", "", json!({ "x-note": "a\nb" })),
            event_json("/api/v1/payments", "", json!({ "x note": "a" })),
            event_json("/api/v1/payments", "", json!({ "x-note": 1 })),
            // A byte that is not UTF-8, as API Gateway was seen to write one (lambda-rust #509).
            event_json("/api/v1/payments", "", json!({ "user-agent": "BenoXXt" }))
                .replace("XX", "\\xEE"),
            "not json".to_owned(),
        ] {
            assert!(
                matches!(
                    ApiGatewayEvent::from_slice(json.as_bytes()),
                    Ok(ApiGatewayEvent::Unreadable)
                ),
                "{json}"
            );
        }
    }

    #[test]
    fn a_response_becomes_api_gateways_answer() {
        let mut response = Response::new(Body::Binary(b"%PDF-1.7".to_vec()));
        *response.status_mut() = StatusCode::CREATED;
        let headers = response.headers_mut();
        headers.insert("content-type", HeaderValue::from_static("application/pdf"));
        headers.append(SET_COOKIE, HeaderValue::from_static("a=1; Secure"));
        headers.append(SET_COOKIE, HeaderValue::from_static("b=2; Secure"));
        let answer = into_response(response);
        assert_eq!(answer.status_code, 201);
        assert!(answer.is_base64_encoded);
        assert_eq!(answer.cookies, ["a=1; Secure", "b=2; Secure"]);
        assert!(answer.headers.get(SET_COOKIE).is_none());
        let wire = serde_json::to_value(&answer).unwrap();
        assert_eq!(wire["body"], "JVBERi0xLjc=");
        assert_eq!(wire["headers"]["content-type"], "application/pdf");

        let text = into_response(Response::new(Body::Text("{}".into())));
        assert!(!text.is_base64_encoded);
        assert_eq!(serde_json::to_value(&text).unwrap()["body"], "{}");
    }
}
