//! API Gateway events in, through a function's handler, and its response out.

use commet_payments::app::App;
use commet_payments::domain::version::ApiVersion;
use commet_payments::endpoints;
use commet_payments::http::api_gateway::{self, ApiGatewayEvent};
use commet_payments::http::version::is_enveloped;
use lambda_http::{Body, Context, Request, Response};
use serde_json::{Value, json};

use super::log_watch;

/// Runs `event` through the function named `function`, exactly as that Lambda's main does
/// (`endpoints::run` calls the same `serve`).
pub async fn dispatch(app: &'static App, function: &str, event: Request) -> Response<Body> {
    let function = endpoints::by_name(function).unwrap_or_else(|| panic!("no function {function}"));
    (function.serve)(app, event).await
}

/// Builds an API Gateway HTTP API (payload 2.0) event, decoded as in Lambda (`request_of`).
pub struct EventBuilder {
    method: String,
    path: String,
    headers: serde_json::Map<String, Value>,
    body: Option<String>,
    base64: bool,
}

pub fn event(method: &str, path_and_query: &str) -> EventBuilder {
    let mut headers = serde_json::Map::new();
    headers.insert("host".into(), json!("127.0.0.1:9000"));
    EventBuilder {
        method: method.into(),
        path: path_and_query.into(),
        headers,
        body: None,
        base64: false,
    }
}

impl EventBuilder {
    pub fn key(self, key: &str) -> Self {
        self.header("x-api-key", key)
    }

    /// A header; an API key sent in one is watched for in the logs from then on.
    pub fn header(mut self, name: &str, value: &str) -> Self {
        let name = name.to_ascii_lowercase();
        if name == "x-api-key" {
            log_watch::watch_secret(value);
        }
        self.headers.insert(name, json!(value));
        self
    }

    pub fn json(self, body: Value) -> Self {
        self.raw_body(&body.to_string())
            .header("content-type", "application/json")
    }

    /// An HTML form post, as a browser sends it; a card number in it is watched for in the logs.
    pub fn form(self, fields: &[(&str, &str)]) -> Self {
        for (_, number) in fields.iter().filter(|(name, _)| *name == "card_number") {
            log_watch::watch_card(number);
        }
        let body = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(fields)
            .finish();
        self.raw_body(&body)
            .header("content-type", "application/x-www-form-urlencoded")
    }

    /// Bytes that are not text, base64-encoded as API Gateway delivers them.
    pub fn binary_body(mut self, bytes: &[u8]) -> Self {
        use base64::Engine;
        self.body = Some(base64::engine::general_purpose::STANDARD.encode(bytes));
        self.base64 = true;
        self
    }

    pub fn raw_body(mut self, body: &str) -> Self {
        self.body = Some(body.into());
        self
    }

    pub fn build(self) -> Request {
        let (path, query) = self
            .path
            .split_once('?')
            .map(|(p, q)| (p.to_owned(), q.to_owned()))
            .unwrap_or((self.path.clone(), String::new()));
        let event = json!({
            "version": "2.0",
            "routeKey": "$default",
            "rawPath": path,
            "rawQueryString": query,
            "headers": self.headers,
            "requestContext": {
                "accountId": "123456789012",
                "apiId": "local",
                "domainName": "127.0.0.1",
                "domainPrefix": "local",
                "http": {
                    "method": self.method,
                    "path": path,
                    "protocol": "HTTP/1.1",
                    "sourceIp": "127.0.0.1",
                    "userAgent": "tests"
                },
                "requestId": format!("test-{}", ulid::Ulid::generate()),
                "routeKey": "$default",
                "stage": "$default",
                "time": "26/Nov/2026:10:15:00 +0000",
                "timeEpoch": 1795000000000u64
            },
            "body": self.body,
            "isBase64Encoded": self.base64
        });
        request_of(&event.to_string())
    }
}

/// The request an API Gateway event's JSON carries, read as the functions read it
/// (`endpoints::run`): `api_gateway::ApiGatewayEvent`, then `api_gateway::into_request`.
pub fn request_of(json: &str) -> Request {
    match ApiGatewayEvent::from_slice(json.as_bytes()).expect("read as the runtime reads it") {
        ApiGatewayEvent::Request(request) => {
            api_gateway::into_request(*request, Context::default())
        }
        ApiGatewayEvent::Unreadable => panic!("not a readable API Gateway event: {json}"),
    }
}

#[derive(Debug, Clone)]
pub struct TestResponse {
    pub status: u16,
    pub headers: lambda_http::http::HeaderMap,
    /// The body as JSON (`Null` for an HTML page).
    pub body: Value,
    pub text: String,
    /// The body as sent (a PDF is not text).
    pub bytes: Vec<u8>,
}

impl From<Response<Body>> for TestResponse {
    fn from(response: Response<Body>) -> Self {
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let bytes = match response.body() {
            Body::Text(text) => text.as_bytes().to_vec(),
            Body::Binary(bytes) => bytes.clone(),
            _ => Vec::new(),
        };
        let text = String::from_utf8_lossy(&bytes).into_owned();
        let json = headers
            .get("content-type")
            .is_some_and(|v| v.as_bytes().starts_with(b"application/json"));
        let body = if json {
            serde_json::from_str(&text).expect("JSON body")
        } else {
            Value::Null
        };
        // A webhook endpoint's signing secret, as its create answers it.
        for secret in text.split('"').filter(|s| s.starts_with("whsec_")) {
            log_watch::watch_secret(secret);
        }
        Self {
            status,
            headers,
            body,
            text,
            bytes,
        }
    }
}

impl TestResponse {
    /// Whether the answer is in the `{success, data}` family, by the version it says shaped it.
    pub fn enveloped(&self) -> bool {
        let version = self
            .header("commet-version")
            .expect("every API answer says its version");
        is_enveloped(ApiVersion::parse(version).expect("a known version"))
    }

    /// The object of a success, or a list's items, in either family.
    pub fn data(&self) -> &Value {
        if self.enveloped() {
            assert_eq!(
                self.body["success"],
                json!(true),
                "not a success: {:#}",
                self.body
            );
            return &self.body["data"];
        }
        // Bare objects may have a `success` of their own (a test delivery's answer).
        assert!(
            (200..300).contains(&self.status) && self.body.get("error").is_none(),
            "not a success: {:#}",
            self.body
        );
        if self.body["object"] == "list" {
            &self.body["data"]
        } else {
            &self.body
        }
    }

    /// Asserts a 400 `validation_error` and returns the fields it names, in its order.
    pub fn invalid_fields(&self) -> Vec<&str> {
        self.error(400, "validation_error")["details"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["field"].as_str().unwrap())
            .collect()
    }

    /// Asserts the error envelope and returns its `error` object.
    pub fn error(&self, status: u16, code: &str) -> &Value {
        assert_eq!(
            self.status, status,
            "unexpected status, body: {:#}",
            self.body
        );
        if self.enveloped() {
            assert_eq!(self.body["success"], json!(false));
        } else {
            assert!(self.body.get("success").is_none(), "{:#}", self.body);
        }
        // Up to 2026-05-18 an error's fields stand beside `success`.
        let error = match self.body.get("error") {
            Some(error) => error,
            None => &self.body,
        };
        assert_eq!(error["code"], json!(code), "body: {:#}", self.body);
        for field in ["type", "message", "doc_url"] {
            assert!(
                error[field].is_string(),
                "error.{field} missing: {:#}",
                self.body
            );
        }
        assert!(error.get("param").is_some() && error.get("details").is_some());
        error
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|value| value.to_str().ok())
    }
}
