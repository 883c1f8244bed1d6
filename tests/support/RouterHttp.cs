using System.Net.Http.Headers;
using System.Text;

namespace GenAiRouter.TestSupport;

/// <summary>Requests as a caller sends them to the router's public API.</summary>
public static class RouterHttp
{
    /// <summary><c>POST {baseUrl}responses</c> with a JSON body and the caller token as bearer.</summary>
    public static HttpRequestMessage Responses(Uri baseUrl, string token, string json)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, new Uri(baseUrl, "responses")) { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return request;
    }
}
