//! Raw HTTP against a double (for tests of the double itself).

use serde_json::Value;

use super::Double;

/// One answer: status, headers, and the body (JSON when it parses).
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub text: String,
}

impl Answer {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.text).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text))
    }

    /// The status with the body's `error_code`.
    pub fn status_and_code(&self) -> (u16, Option<i64>) {
        (self.status, self.json()["error_code"].as_i64())
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

impl Double {
    /// `http://127.0.0.1:port/kafka/v3`
    pub fn api_url(&self) -> String {
        format!("{}/v3", self.rest_url())
    }

    /// `<api_url><path_and_query>`
    pub fn url(&self, path_and_query: &str) -> String {
        format!("{}{path_and_query}", self.api_url())
    }

    /// `METHOD url` (e.g. [`Double::url`] or a `metadata.next`) with an
    /// optional JSON body.
    pub async fn call_url(
        &self,
        method: &str,
        url: &str,
        body: Option<&Value>,
    ) -> Result<Answer, reqwest::Error> {
        let method = reqwest::Method::from_bytes(method.as_bytes()).expect("method");
        let mut req = reqwest::Client::new().request(method, url);
        if let Some(b) = body {
            req = req
                .header("content-type", "application/json")
                .body(b.to_string());
        }
        let resp = req.send().await?;
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let text = resp.text().await?;
        Ok(Answer {
            status,
            headers,
            text,
        })
    }

    /// `METHOD <api_url><path_and_query>` that must get an answer.
    pub async fn req(&self, method: &str, path_and_query: &str, body: Option<&Value>) -> Answer {
        self.call_url(method, &self.url(path_and_query), body)
            .await
            .unwrap_or_else(|e| panic!("{method} {path_and_query}: {e}"))
    }

    /// The JSON body of `GET <api_url><path_and_query>` (which must be answered).
    pub async fn get_json(&self, path_and_query: &str) -> Value {
        self.req("GET", path_and_query, None).await.json()
    }
}
